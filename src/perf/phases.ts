// Multi-phase runs: a training run given as a list of phases (the system count, sequence length or batch
// changing mid-run, as Cerebras-GPT-13B's batch 720 → 1080 sequences or BTLM-3B-8K's 2k → 8k context),
// each estimated on its own (src/perf/run.ts) and added up. A run file:
//   { "model": NAME|FILE|object (optional: --model), "source": "...", "phases": [
//       { "name"?, "tokens", "systems"?, "seqLen"?, "batchSeqs"? | "batchTokens"?, "passes"? | "microBatchSeqs"? }, ... ] }
// Fields a phase leaves out come from the command line (--systems, --seq-len, ...).
import { ValidationError, requireInt, requireNumber, shapeError, requireObject, within } from '../errors.js';
import { estimate, type Estimate } from './estimate.js';
import { systemInputs, type EstimateConfig } from './run.js';
import { fmt, stepCount } from './units.js';

export interface RunPhase {
  name?: string;
  tokens: number;
  systems?: number;
  seqLen?: number;
  batchSeqs?: number;
  batchTokens?: number;
  passes?: number;
  microBatchSeqs?: number;
}

export interface RunFile {
  model?: string | Record<string, unknown>;
  source?: string;
  phases: RunPhase[];
}

export interface PhasedEstimate {
  kind: 'phases';
  model: string;
  title: string;
  source?: string;
  phases: Array<{ name: string; estimate: Estimate }>;
  total: { trainTokens: number; steps: number; trainSeconds: number; trainDays: number; tokensPerSecond: number; energyKWh: number; costUSD: number | null };
}

/** A run has a few phases (warm-up, sequence-length stages); a file of 100,000 took 82 s and 2.2 GB to estimate. */
export const MAX_PHASES = 1000;

const PHASE_FIELDS = ['name', 'tokens', 'systems', 'seqLen', 'batchSeqs', 'batchTokens', 'passes', 'microBatchSeqs'];

/** Checks a parsed run file; errors name the file and the field (phases[1].seqLen). */
export function parseRunFile(raw: unknown, file: string): RunFile {
  const at = (p: string) => `${file}: ${p}`;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ValidationError(at('(top level)'), raw, 'expected an object with "phases"');
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!['model', 'source', 'phases'].includes(k)) throw new ValidationError(at(k), o[k], 'unknown field (known: model, source, phases)');
  if (o.model !== undefined && typeof o.model !== 'string' && (typeof o.model !== 'object' || o.model === null || Array.isArray(o.model))) throw new ValidationError(at('model'), o.model, 'expected a preset name, a file or a model object');
  if (o.source !== undefined && typeof o.source !== 'string') throw new ValidationError(at('source'), o.source, 'expected a string');
  if (!Array.isArray(o.phases) || o.phases.length === 0) throw new ValidationError(at('phases'), o.phases, 'expected a non-empty list of phases');
  if (o.phases.length > MAX_PHASES) throw shapeError(at('phases'), o.phases, `expected at most ${MAX_PHASES} phases`);
  const phases = o.phases.map((p: unknown, i: number) => {
    const f = (k: string) => at(`phases[${i}].${k}`);
    if (p === null || typeof p !== 'object' || Array.isArray(p)) throw new ValidationError(at(`phases[${i}]`), p, 'expected an object');
    const q = p as Record<string, unknown>;
    for (const k of Object.keys(q)) if (!PHASE_FIELDS.includes(k)) throw new ValidationError(f(k), q[k], `unknown field (known: ${PHASE_FIELDS.join(', ')})`);
    if (q.name !== undefined && typeof q.name !== 'string') throw new ValidationError(f('name'), q.name, 'expected a string');
    const phase: RunPhase = { tokens: requireNumber(f('tokens'), q.tokens, 1) };
    if (q.name !== undefined) phase.name = q.name as string;
    for (const k of ['systems', 'seqLen', 'batchSeqs', 'passes', 'microBatchSeqs'] as const) if (q[k] !== undefined) phase[k] = requireInt(f(k), q[k], 1);
    if (q.batchTokens !== undefined) phase.batchTokens = requireNumber(f('batchTokens'), q.batchTokens, 1);
    if (phase.batchSeqs !== undefined && phase.batchTokens !== undefined) throw new ValidationError(f('batchSeqs'), phase.batchSeqs, 'expected either batchSeqs or batchTokens, not both');
    if (phase.passes !== undefined && phase.microBatchSeqs !== undefined) throw new ValidationError(f('passes'), phase.passes, 'expected either passes or microBatchSeqs, not both');
    return phase;
  });
  return { ...(o.model !== undefined ? { model: o.model as RunFile['model'] } : {}), ...(o.source !== undefined ? { source: o.source as string } : {}), phases };
}

/** Each phase estimated with the base configuration amended by the phase's fields, and the run's totals. A phase's
 *  refusal names the phase, after `file` (the run file's name, for the message) where given. */
export function estimatePhases(base: EstimateConfig, run: RunFile, file?: string): PhasedEstimate {
  requireObject('base', base);
  if (base.gpu !== undefined) throw new ValidationError('run', 'gpu', 'expected a CS-2 estimate (phases are not modelled on GPUs)');
  const phases = run.phases.map((p, i) => {
    const batch = p.batchSeqs !== undefined ? { batchSeqs: p.batchSeqs, batchTokens: undefined } : p.batchTokens !== undefined ? { batchTokens: p.batchTokens, batchSeqs: undefined } : {};
    const passes = p.passes !== undefined ? { passes: p.passes, microBatchSeqs: undefined } : p.microBatchSeqs !== undefined ? { microBatchSeqs: p.microBatchSeqs, passes: undefined } : {};
    const c: EstimateConfig = { ...base, model: run.model ?? base.model, tokens: p.tokens, ...(p.systems !== undefined ? { systems: p.systems } : {}), ...(p.seqLen !== undefined ? { seqLen: p.seqLen } : {}), ...batch, ...passes };
    try {
      const { model, options, specs } = systemInputs(c);
      return { name: p.name ?? `phase ${i + 1}`, estimate: estimate(model, options, specs) };
    } catch (e) {
      throw within(`${file !== undefined ? `${file}: ` : ''}phases[${i}]${p.name !== undefined ? ` (${p.name})` : ''}`, e); // which phase the refusal is of
    }
  });
  let tokens = 0, steps = 0, seconds = 0, energy = 0;
  let cost: number | null = 0;
  for (const { estimate: e } of phases) {
    tokens += e.trainTokens;
    steps += e.steps;
    seconds += e.trainSeconds;
    energy += e.energyKWh;
    cost = cost === null || e.costUSD === null ? null : cost + e.costUSD;
  }
  const first = phases[0].estimate;
  return {
    kind: 'phases', model: first.model, title: first.title, ...(run.source !== undefined ? { source: run.source } : {}), phases,
    total: { trainTokens: tokens, steps, trainSeconds: seconds, trainDays: seconds / 86400, tokensPerSecond: tokens / seconds, energyKWh: energy, costUSD: cost },
  };
}

/** The phases as a table and the run's total. */
export function formatPhases(r: PhasedEstimate): string {
  requireObject('estimate', r);
  const head = ['phase', 'tokens', 'systems', 'seq len', 'batch seqs', 'passes', 'step s', 'days', 'tokens/s', 'bound'];
  const rows = r.phases.map(({ name, estimate: e }) => [name, fmt(e.trainTokens), String(e.systems), String(e.seqLen), fmt(e.batchSeqs), `${e.microBatches} (${e.passesSource === 'set' ? 'set' : 'model'})`, fmt(e.stepSeconds), fmt(e.trainDays), fmt(e.tokensPerSecond), e.boundResource]);
  const t = r.total;
  rows.push(['total', fmt(t.trainTokens), '', '', '', '', '', fmt(t.trainDays), fmt(t.tokensPerSecond), '']);
  const all = [head, ...rows];
  const w = head.map((_, i) => Math.max(...all.map((x) => x[i].length)));
  const line = (x: string[]) => ('  ' + x.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ')).trimEnd();
  const out = [`${r.title}: ${r.phases.length} phases`, ...(r.source ? [`  source: ${r.source}`] : []), line(head), ...rows.map(line)];
  out.push(`  total: ${fmt(t.trainDays)} days, ${stepCount(t.steps)} steps, ${fmt(t.energyKWh / 1000)} MWh${t.costUSD === null ? '' : `, $${fmt(t.costUSD)}`}; each phase's assumptions: --json`);
  return out.join('\n') + '\n';
}
