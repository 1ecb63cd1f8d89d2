// Hardware specs for the at-scale model: loads specs/hardware/*.json (CS-2, MemoryX, SwarmX, GPUs),
// validates every figure (errors name the file and the field), and keeps each figure's source.
//
// File format: { "kind": "cs2"|"memoryx"|"swarmx"|"gpu", "name": ..., "figures": { "<key with unit>":
// { "value": ..., "source": "...", "uncertain"?: true } } }. A user file may instead say
// "base": "cs2" (or "memoryx", "swarmx", "gpu-h200", ...) and give only the figures it changes.
import { readFileSync, readdirSync } from 'node:fs';
import { parseJsonText, readInputText } from '../io/files.js';
import { basename, join } from 'node:path';
import { ValidationError, ownEntry, requireSafeKey, requireArray, requireString, shapeError } from '../errors.js';
import { rootPath } from '../paths.js';

/** One figure as written in a spec file. */
export interface Figure {
  value: number | boolean | string | null;
  source: string;
  uncertain?: boolean;
}

/** A spec field's JSON type ('number?': a number or null). */
export type SpecFieldType = 'number' | 'number?' | 'boolean' | 'string';
/** A spec field's schema: its type and range. */
export interface SpecField {
  type: SpecFieldType;
  min?: number;
  max?: number;
  /** The bound is exclusive (min) — e.g. bandwidths must be > 0. */
  positive?: boolean;
}

const pos = (max = Infinity): SpecField => ({ type: 'number', min: 0, max, positive: true });

/** The fields each kind must have, with their types and ranges (units are in the names). */
export const SCHEMAS = {
  cs2: {
    cores: pos(),
    sramBytesPerCore: pos(),
    waferSramGB: pos(),
    memoryBandwidthPBps: pos(),
    fabricBandwidthPbps: pos(),
    clockGHz: pos(),
    fmacPerCorePerCycle: pos(),
    peakPFLOPs: pos(),
    ioGBps: pos(),
    ioFullDuplex: { type: 'boolean' },
    waferPowerKW: { type: 'number', min: 0 },
    systemPowerKW: { type: 'number', min: 0 },
    computeEfficiency: pos(1),
    activationSramFraction: pos(1),
    activationCheckpointsOffWafer: { type: 'boolean' },
    pricePerSystemHourUSD: { type: 'number?', min: 0 },
  },
  memoryx: {
    minCapacityTB: pos(),
    maxCapacityTB: pos(),
    maxParamsTrillion: pos(),
    streamGBps: pos(),
    updateGBps: pos(),
    masterBytesPerParam: { type: 'number', min: 0 },
    halfBytesPerParam: { type: 'number', min: 0 },
    adamStateBytesPerParam: { type: 'number', min: 0 },
    momentumStateBytesPerParam: { type: 'number', min: 0 },
    gradAccumBytesPerParam: { type: 'number', min: 0 },
  },
  swarmx: {
    portGbps: pos(),
    /** null: derived from the system's I/O (ceil(ioGBps · 8 / portGbps)), so changing the I/O changes the lanes. */
    portsPerSystem: { type: 'number?', min: 0 },
    fanIn: { type: 'number', min: 2 },
    hopLatencyUs: { type: 'number', min: 0 },
    maxSystems: pos(),
    stepJitterFraction: { type: 'number', min: 0, max: 1 },
    hostStepOverheadMs: { type: 'number', min: 0 },
  },
  gpu: {
    peakTFLOPs: pos(),
    memoryGB: pos(),
    memoryGBps: pos(),
    powerKW: { type: 'number', min: 0 },
    efficiency: pos(1),
    efficiencyFlopConvention: { type: 'string' },
    pricePerDeviceHourUSD: { type: 'number?', min: 0 },
  },
} satisfies Record<string, Record<string, SpecField>>;

export type SpecKind = keyof typeof SCHEMAS;
export const SPEC_KINDS = Object.keys(SCHEMAS) as SpecKind[];
export const FLOP_CONVENTIONS = ['6ND', '6ND+12LdT'] as const;
export type FlopConvention = (typeof FLOP_CONVENTIONS)[number];

/** The value a field of this schema holds. */
export type SpecFieldValue<F extends SpecField> = F['type'] extends 'boolean' ? boolean : F['type'] extends 'string' ? string : F['type'] extends 'number?' ? number | null : number;
/** A spec kind's values, as its schema types them. */
export type SpecValues<K extends SpecKind> = { -readonly [P in keyof (typeof SCHEMAS)[K]]: SpecFieldValue<(typeof SCHEMAS)[K][P] & SpecField> };

/** A loaded spec: plain values for the arithmetic, the figures (with sources) for reports. */
export interface Spec<K extends SpecKind = SpecKind> {
  kind: K;
  /** Short id: 'cs2', 'memoryx', 'swarmx', or the GPU's id ('v100', 'h200', ...). */
  id: string;
  name: string;
  /** Where it came from (a path, or 'built-in'). */
  file: string;
  v: SpecValues<K>;
  figures: Record<string, Figure>;
}

export type Cs2Spec = Spec<'cs2'>;
export type MemoryxSpec = Spec<'memoryx'>;
export type SwarmxSpec = Spec<'swarmx'>;
export type GpuSpec = Spec<'gpu'> & { v: SpecValues<'gpu'> & { efficiencyFlopConvention: FlopConvention } };

/** Every spec the estimate needs. */
export interface Specs {
  /** The system modelled (a CS-2 by default; the CS-3 spec is of the same kind). */
  cs2: Cs2Spec;
  /** Every system spec by id ('cs2', 'cs3', ...): `--system ID` puts one in the cs2 slot (src/perf/system.ts). */
  systems: Record<string, Cs2Spec>;
  /** MemoryX specs of other generations by system id ('cs3' -> specs/hardware/memoryx-cs3.json), paired by `--system`. */
  memoryxFor: Record<string, MemoryxSpec>;
  memoryx: MemoryxSpec;
  swarmx: SwarmxSpec;
  gpus: Record<string, GpuSpec>;
}

const HARDWARE_DIR = () => rootPath('specs', 'hardware');

function idFor(kind: SpecKind, file: string, raw: Record<string, unknown>): string {
  if (typeof raw.id === 'string' && raw.id) return requireSafeKey(`${file}: id`, raw.id);
  if (kind !== 'gpu') return kind;
  return requireSafeKey(`${file}: id`, basename(file, '.json').replace(/^gpu-/, ''));
}

/** Validates a parsed spec object; `file` names it in errors ("specs/x.json: figures.ioGBps.value: ..."). */
export function validateSpec(raw: unknown, file: string, base?: Spec): Spec {
  const at = (p: string) => `${file}: ${p}`;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw shapeError(at('(top level)'), raw, 'expected a JSON object'); // not quoted: it may be a file that is no spec
  const o = raw as Record<string, unknown>;
  const kind = (base?.kind ?? o.kind) as SpecKind;
  if (!SPEC_KINDS.includes(kind)) throw new ValidationError(at('kind'), o.kind, `expected one of ${SPEC_KINDS.join(', ')}`);
  if (base && o.kind !== undefined && o.kind !== base.kind) throw new ValidationError(at('kind'), o.kind, `expected "${base.kind}" (the kind of base "${base.id}") or no kind`);
  const figs = o.figures;
  if (figs === null || typeof figs !== 'object' || Array.isArray(figs)) throw new ValidationError(at('figures'), figs, 'expected an object of {value, source} figures');
  const schema = SCHEMAS[kind] as Record<string, SpecField>;
  const figures: Record<string, Figure> = { ...(base?.figures ?? {}) };
  for (const [key, f] of Object.entries(figs as Record<string, unknown>)) {
    if (!Object.hasOwn(schema, key)) throw new ValidationError(at(`figures.${key}`), f, `unknown figure for kind "${kind}" (known: ${Object.keys(schema).join(', ')})`);
    figures[key] = checkFigure(at(`figures.${key}`), f, schema[key]);
  }
  const v: Record<string, unknown> = {};
  for (const key of Object.keys(schema)) {
    const f = figures[key];
    if (!f) throw new ValidationError(at(`figures.${key}`), undefined, `missing figure (expected {"value": ..., "source": "..."})`);
    v[key] = f.value;
  }
  if (kind === 'gpu' && !(FLOP_CONVENTIONS as readonly string[]).includes(v.efficiencyFlopConvention as string)) {
    throw new ValidationError(at('figures.efficiencyFlopConvention.value'), v.efficiencyFlopConvention, `expected one of ${FLOP_CONVENTIONS.join(', ')}`);
  }
  if (kind === 'memoryx' && (v.maxCapacityTB as number) < (v.minCapacityTB as number)) {
    throw new ValidationError(at('figures.maxCapacityTB.value'), v.maxCapacityTB, `expected >= minCapacityTB (${v.minCapacityTB})`);
  }
  const name = typeof o.name === 'string' && o.name ? o.name : base?.name;
  if (!name) throw new ValidationError(at('name'), o.name, 'expected a non-empty string');
  return { kind, id: base && o.id === undefined ? base.id : idFor(kind, file, o), name, file, v: v as SpecValues<typeof kind>, figures } as Spec;
}

function checkFigure(path: string, f: unknown, field: SpecField): Figure {
  if (f === null || typeof f !== 'object' || Array.isArray(f)) throw new ValidationError(path, f, 'expected {"value": ..., "source": "..."}');
  const o = f as Record<string, unknown>;
  if (typeof o.source !== 'string' || o.source.trim() === '') throw new ValidationError(`${path}.source`, o.source, 'expected a non-empty string saying where the figure comes from');
  const value = o.value;
  const vp = `${path}.value`;
  switch (field.type) {
    case 'boolean':
      if (typeof value !== 'boolean') throw new ValidationError(vp, value, 'expected true or false');
      break;
    case 'string':
      if (typeof value !== 'string') throw new ValidationError(vp, value, 'expected a string');
      break;
    case 'number':
    case 'number?': {
      if (value === null && field.type === 'number?') break;
      const min = field.min ?? -Infinity;
      const max = field.max ?? Infinity;
      const ok = typeof value === 'number' && Number.isFinite(value) && (field.positive ? value > min : value >= min) && value <= max;
      if (!ok) {
        const lo = field.positive ? `> ${min}` : min > -Infinity ? `>= ${min}` : '';
        const hi = max < Infinity ? `<= ${max}` : '';
        const range = [lo, hi].filter(Boolean).join(' and ');
        throw new ValidationError(vp, value, `expected a finite number${range ? ' ' + range : ''}${field.type === 'number?' ? ' (or null)' : ''}`);
      }
    }
  }
  if (o.uncertain !== undefined && typeof o.uncertain !== 'boolean') throw new ValidationError(`${path}.uncertain`, o.uncertain, 'expected true or false');
  return { value: value as Figure['value'], source: o.source, ...(o.uncertain ? { uncertain: true } : {}) };
}

function readJson(file: string): unknown {
  return parseJsonText(readInputText(file, 'spec', '--spec'), '--spec', file);
}

let builtIn: Specs | undefined;

/** The specs shipped in specs/hardware (loaded and validated once, then shared). */
export function defaultSpecs(): Specs {
  if (builtIn) return builtIn;
  const dir = HARDWARE_DIR();
  const gpus: Record<string, GpuSpec> = {};
  const systems: Record<string, Cs2Spec> = {};
  const memoryxFor: Record<string, MemoryxSpec> = {};
  const one: Partial<Record<SpecKind, Spec>> = {};
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
    const file = join('specs', 'hardware', name);
    const spec = validateSpec(readJson(join(dir, name)), file);
    if (spec.kind === 'gpu') gpus[spec.id] = spec as GpuSpec;
    else if (spec.kind === 'cs2') systems[spec.id] = spec as Cs2Spec;
    else if (spec.kind === 'memoryx' && spec.id.startsWith('memoryx-')) memoryxFor[spec.id.slice('memoryx-'.length)] = spec as MemoryxSpec;
    else one[spec.kind] = spec;
  }
  one.cs2 = systems.cs2;
  for (const k of ['cs2', 'memoryx', 'swarmx'] as const) if (!one[k]) throw new Error(`weightstream: specs/hardware has no ${k} spec`);
  builtIn = Object.freeze({ cs2: one.cs2 as Cs2Spec, systems, memoryxFor, memoryx: one.memoryx as MemoryxSpec, swarmx: one.swarmx as SwarmxSpec, gpus });
  return builtIn;
}

function findBase(specs: Specs, id: string, file: string): Spec {
  // a system by its own id first ('cs2' is the CS-2 even while --system cs3 is modelled)
  const sys = ownEntry(specs.systems, id);
  if (sys) return sys;
  if (id === 'cs2' || id === 'memoryx' || id === 'swarmx') return specs[id];
  if (id.startsWith('memoryx-') && ownEntry(specs.memoryxFor, id.slice('memoryx-'.length))) return specs.memoryxFor[id.slice('memoryx-'.length)];
  const g = ownEntry(specs.gpus, id.replace(/^gpu-/, ''));
  if (g) return g;
  throw new ValidationError(`${file}: base`, id, `expected one of ${Object.keys(specs.systems).join(', ')}, memoryx, swarmx, ${Object.keys(specs.gpus).map((k) => 'gpu-' + k).join(', ')}`);
}

/** Loads one spec file; with "base" it is merged onto that spec of `specs`. */
export function loadSpec(file: string, specs: Specs = defaultSpecs()): Spec {
  const raw = readJson(file);
  const base = raw && typeof raw === 'object' && typeof (raw as { base?: unknown }).base === 'string' ? findBase(specs, (raw as { base: string }).base, file) : undefined;
  return validateSpec(raw, file, base);
}

/** The default specs with user spec files replacing (or, with "base", amending) the spec of the same kind / GPU id. */
export function loadSpecs(files: readonly string[] = [], from: Specs = defaultSpecs()): Specs {
  requireArray('--spec', files).forEach((f, i) => requireString(`--spec[${i}]`, f));
  if (files.length === 0) return from;
  const out: Specs = { ...from, gpus: { ...from.gpus }, systems: { ...from.systems } };
  for (const f of files) {
    const s = loadSpec(f, out);
    if (s.kind === 'gpu') out.gpus[s.id] = s as GpuSpec;
    else if (s.kind === 'cs2') {
      // a system spec amends or replaces the modelled system (and, by id, its entry for --system); one
      // that names another shipped system than the modelled one would change nothing: refused by name
      if (s.id !== out.cs2.id && Object.hasOwn(from.systems, s.id)) throw new ValidationError(`${f}: base`, s.id, `expected the modelled system "${out.cs2.id}" (this file amends "${s.id}", which is not modelled: pick it with --system ${s.id})`);
      out.cs2 = s as Cs2Spec;
      out.systems[s.id] = s as Cs2Spec;
    } else if (s.kind === 'memoryx' && s.id !== out.memoryx.id && s.id.startsWith('memoryx-')) out.memoryxFor = { ...out.memoryxFor, [s.id.slice('memoryx-'.length)]: s as MemoryxSpec };
    else (out as unknown as Record<string, Spec>)[s.kind] = s;
  }
  return out;
}

/** The figure behind a value, for assumption lines: "150 GB/s (source)". */
export function cite(spec: Spec, key: string): string {
  const f = spec.figures[key];
  return f ? `${f.source}${f.uncertain ? ' [parameter]' : ''}` : 'no source';
}
