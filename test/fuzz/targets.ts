// Fuzz targets of the error audit (issue 17 item 12): every reader of a user's file, to be given a file of
// the wrong kind, and the exported entry points that take a user's object, to be given hostile arguments.
import { loadModelFile } from '../../src/model/load.js';
import { resolveModel as resolvePerfModel } from '../../src/perf/models.js';
import { loadSpec, loadSpecs } from '../../src/perf/specs.js';
import { loadSweepFile, expandSweep, validateSweep } from '../../src/sweep/spec.js';
import { readSafetensors, parseSafetensors, serializeSafetensors, tensorToNumbers } from '../../src/io/safetensors.js';
import { loadCheckpoint } from '../../src/memoryx/checkpoint.js';
import { readInput } from '../../src/report/inputs.js';
import { readResults } from '../../src/sweep/results.js';
import { resolveData } from '../../src/data/index.js';
import { resolveTokenData } from '../../src/data/text.js';
import { prepareTrain } from '../../src/cluster/run-train.js';
import { validateModel } from '../../src/model/validate.js';
import { initParams } from '../../src/model/params.js';
import { withSparsity } from '../../src/model/load.js';
import { gpt2ConfigOf } from '../../src/model/hf.js';
import { resultsToCsv } from '../../src/sweep/csv.js';
import { claims } from '../../src/perf/claims.js';
import { estimateGpu } from '../../src/perf/gpu.js';
import { estimate } from '../../src/perf/estimate.js';
import { modelFromObject, preset } from '../../src/perf/models.js';
import { runFabric } from '../../src/fabric/run.js';
import { teacherData } from '../../src/data/teacher.js';
import { toTrace } from '../../src/timeline/trace.js';
import { decodeStream } from '../../src/sparse/stream.js';
import { runEstimate } from '../../src/perf/run.js';

/** [reader, the file's extension, read(path)]: each takes a path a user gave. */
export function foreignFileReaders(): Array<[string, string, (file: string) => unknown]> {
  return [
    ['engine model (loadModelFile)', '.json', (f) => loadModelFile(f)],
    ['perf model (estimate --model)', '.json', (f) => resolvePerfModel(f)],
    ['hardware spec', '.json', (f) => loadSpec(f)],
    ['sweep file (YAML)', '.yaml', (f) => loadSweepFile(f)],
    ['sweep file (JSON)', '.json', (f) => loadSweepFile(f)],
    ['safetensors', '.safetensors', (f) => readSafetensors(f, '--data')],
    ['checkpoint', '.ckpt', (f) => loadCheckpoint(f)],
    ['report input', '.json', (f) => readInput(f)],
    ['sweep results', '.jsonl', (f) => readResults(f)],
    ['train --data (features)', '.safetensors', (f) => resolveData(f)],
    ['train --data (tokens)', '.safetensors', (f) => resolveTokenData(f, { seqLen: 4, testFraction: 0.1 })],
    ['train config --model', '.json', (f) => prepareTrain({ model: f, steps: 1 })],
  ];
}

/** [entry point, call(arg)]: the exported functions that take a user's object or list, with `arg` in its place. */
export function hostileArgumentCalls(): Array<[string, (arg: unknown) => unknown]> {
  const a = <T>(x: unknown) => x as T;
  return [
    ['validateModel', (x) => validateModel(x)],
    ['initParams', (x) => initParams(a(x), 0)],
    ['withSparsity', (x) => withSparsity(a(x), 0.5)],
    ['gpt2ConfigOf', (x) => gpt2ConfigOf(a(x))],
    ['validateSweep', (x) => validateSweep(x)],
    ['expandSweep', (x) => expandSweep(a(x))],
    ['resultsToCsv', (x) => resultsToCsv(a(x))],
    ['claims(specs)', (x) => claims(a(x))],
    ['estimateGpu(options)', (x) => estimateGpu(preset('gpt3-small'), a(x))],
    ['estimate(options)', (x) => estimate(preset('gpt3-small'), a(x))],
    ['runEstimate', (x) => runEstimate(a(x))],
    ['modelFromObject', (x) => modelFromObject(x)],
    ['loadSpecs', (x) => loadSpecs(a(x))],
    ['runFabric', (x) => runFabric(a(x))],
    ['teacherData', (x) => teacherData(a(x))],
    ['toTrace', (x) => toTrace(a(x), [], 1)],
    ['decodeStream', (x) => decodeStream(a(x))],
    ['parseSafetensors', (x) => parseSafetensors(a(x))],
    ['serializeSafetensors', (x) => serializeSafetensors(a(x))],
    ['tensorToNumbers', (x) => tensorToNumbers(a(x))],
    ['prepareTrain', (x) => prepareTrain(a(x))],
  ];
}
