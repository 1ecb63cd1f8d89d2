// Hugging Face config.json importers (src/model/hf/): GPT-2 for every level (gpt2.ts), and the decoder
// families the at-scale model takes (GPT-J, GPT-NeoX/Pythia, Llama, Mistral, Mixtral) through one dispatcher.
export { importGpt2Config, gpt2ConfigOf, gpt2ParamCount, isHfConfig, MAX_LAYERS, MAX_FUNCTIONAL_PARAMS, type HfImport } from './hf/gpt2.js';
export { importHfConfig, hfFamily, type HfArchImport } from './hf/import.js';
export { decoderParamCount, DECODER_FAMILIES, type DecoderArch, type DecoderFamily } from './hf/arch.js';
