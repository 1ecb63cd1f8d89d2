// The fabric machine's parameters as data: every figure with its unit in the key name and its source.
// Hardware figures come from ../shared/docs/FACTS.md (the same values as specs/hardware/cs2.json, which a
// test keeps in step); the rest are modelling choices of this simulator, marked "assumed".
import { ValidationError, requireInt, requireObject } from '../errors.js';

export interface FabricMachine {
  /** FMAC per core per cycle (F): an AXPY over Bs samples takes max(1, ceil(Bs / F)) cycles. */
  fmacsPerCycle: number;
  /** Local SRAM per core in bytes: a mapping whose data do not fit is a CapacityError. */
  coreSramBytes: number;
  /** Clock in GHz: turns cycles into seconds in reports (the simulator itself counts cycles). */
  clockGHz: number;
  /** Wavelets per cycle per link direction (fixed at 1 by the model; kept here as documentation). */
  linkWaveletsPerCycle: number;
  /** Bits per wavelet (32: one f32 value, one u32 count or delta). */
  waveletBits: number;
  /** Routable colors of a router; a pass uses at most 5. */
  colors: number;
  /** Depth of a router's input queue per color, in wavelets (power of two, <= 128). */
  routerQueueWavelets: number;
  /** Depth of a core's input queue per channel, in wavelets (power of two, <= 128). */
  coreQueueWavelets: number;
  /** Accumulator buffers per core (forward/delta): outputs in flight between AXPY and reduction (power of two). */
  accumulatorBuffers: number;
  /** Depth of the gradient pass's FIFO of partial dot products per core. */
  partialFifoDepth: number;
  /** Stream words the mesh edge can inject per cycle over all columns; 0 = only the per-column link limit. */
  edgeWaveletsPerCycle: number;
}

export interface Sourced {
  value: number;
  source: string;
}

/** Every default with its source. */
export const FABRIC_MACHINE_SOURCES: { [K in keyof FabricMachine]: Sourced } = {
  fmacsPerCycle: { value: 4, source: 'FACTS.md: 4 FP16 FMAC per core per cycle (Next Platform 2024-03-14, analyst figure, uncertain)' },
  coreSramBytes: { value: 49152, source: 'FACTS.md: 48 KB per core (ALCF AI-testbed docs)' },
  clockGHz: { value: 1.1, source: 'FACTS.md: about 1.1 GHz (Hot Chips 34 deep dive, secondary; uncertain)' },
  linkWaveletsPerCycle: { value: 1, source: 'issue 5 / FACTS.md: one 32-bit wavelet per cycle per link direction' },
  waveletBits: { value: 32, source: 'FACTS.md: 32-bit data + control per wavelet (Cerebras blog, M. James)' },
  colors: { value: 24, source: 'Cerebras SDK documentation: 24 routable colors per router (uncertain for WSE-2)' },
  routerQueueWavelets: { value: 4, source: 'assumed: small per-color input buffers; not published' },
  coreQueueWavelets: { value: 4, source: 'assumed: small per-channel input queues of the core; not published' },
  accumulatorBuffers: { value: 8, source: "assumed: outputs in flight between AXPY and the row reduction; enough to hide a reduction chain of ~3 cycles per column across a few hundred columns at small Bs (docs/fabric.md)" },
  partialFifoDepth: { value: 4, source: 'assumed: a few partial dot products waiting for the column reduction' },
  edgeWaveletsPerCycle: { value: 0, source: 'assumed: each column has its own edge link (1 wavelet/cycle); 0 = no shared cap. The CS-2 I/O of 150 GB/s (FACTS.md) is about 34 wavelets per cycle at 1.1 GHz for the whole wafer' },
};

/** The defaults as plain values. */
export const FABRIC_DEFAULTS: FabricMachine = Object.fromEntries(
  Object.entries(FABRIC_MACHINE_SOURCES).map(([k, v]) => [k, v.value]),
) as unknown as FabricMachine;

function pow2(path: string, v: number, max: number): number {
  requireInt(path, v, 1, max);
  if ((v & (v - 1)) !== 0) throw new ValidationError(path, v, 'expected a power of two');
  return v;
}

/** The defaults overridden by `over`, validated (each bad field named with its value). */
export function fabricMachine(over: Partial<FabricMachine> = {}): FabricMachine {
  requireObject('machine', over);
  for (const [k, v] of Object.entries(over)) {
    if (!Object.hasOwn(FABRIC_DEFAULTS, k)) throw new ValidationError(`machine.${k}`, v, `unknown field for the fabric's machine (expected one of ${Object.keys(FABRIC_DEFAULTS).join(', ')})`);
  }
  const m = { ...FABRIC_DEFAULTS, ...over };
  requireInt('machine.fmacsPerCycle', m.fmacsPerCycle, 1, 1 << 16);
  requireInt('machine.coreSramBytes', m.coreSramBytes, 1);
  if (!(m.clockGHz > 0) || !Number.isFinite(m.clockGHz)) throw new ValidationError('machine.clockGHz', m.clockGHz, 'expected a positive number');
  if (m.linkWaveletsPerCycle !== 1) throw new ValidationError('machine.linkWaveletsPerCycle', m.linkWaveletsPerCycle, 'expected 1 (the model moves one wavelet per cycle per link)');
  if (m.waveletBits !== 32) throw new ValidationError('machine.waveletBits', m.waveletBits, 'expected 32');
  requireInt('machine.colors', m.colors, 5, 64);
  pow2('machine.routerQueueWavelets', m.routerQueueWavelets, 128);
  pow2('machine.coreQueueWavelets', m.coreQueueWavelets, 128);
  pow2('machine.accumulatorBuffers', m.accumulatorBuffers, 64);
  requireInt('machine.partialFifoDepth', m.partialFifoDepth, 1, 1024);
  requireInt('machine.edgeWaveletsPerCycle', m.edgeWaveletsPerCycle, 0);
  return m;
}

/** A WSE-2-sized mesh: 850,000 cores (FACTS.md) as 1000 rows x 850 columns (the aspect is assumed). */
export const WSE2_MESH = { rows: 1000, cols: 850, source: 'FACTS.md: 850,000 cores (AnandTech 16626); 1000 x 850 aspect assumed' } as const;
