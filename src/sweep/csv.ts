// Sweep results as CSV: one row per run (the latest line of each hash), columns hash, kind, the
// configuration's and the result's fields flattened to dotted names, error, timings, where it ran (ranOn.host,
// ranOn.build: where the lines record it). Lists of numbers
// up to a few entries become one column each (`result.layers.0`); longer lists, empty ones, objects with a
// dotted key and anything else that is not a scalar become one JSON-encoded cell. RFC 4180 quoting.
import { requireArray, requireObject } from '../errors.js';
import type { ResultLine } from './types.js';

/** Lists longer than this stay one JSON cell instead of a column per entry. */
const MAX_SPREAD = 8;

function flatten(prefix: string, v: unknown, out: Map<string, unknown>): void {
  if (v === null || v === undefined || typeof v !== 'object') {
    out.set(prefix, v);
  } else if (Array.isArray(v)) {
    if (v.length > 0 && v.length <= MAX_SPREAD && v.every((x) => x === null || typeof x !== 'object')) v.forEach((x, i) => out.set(`${prefix}.${i}`, x));
    else out.set(prefix, JSON.stringify(v)); // [] too: a cell, as {} has (it had none, as if the field were missing)
  } else {
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 0) out.set(prefix, '{}');
    // a key with a dot would share a column with a nested field ({"a.b": 1} and {a: {b: 2}}: one was lost): one JSON cell
    if (entries.some(([k]) => k.includes('.'))) return void out.set(prefix, JSON.stringify(v));
    for (const [k, x] of entries) flatten(prefix ? `${prefix}.${k}` : k, x, out);
  }
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Keeps the last line of each hash (a retried run supersedes its failure), in first-seen order. */
export function latestByHash(lines: ResultLine[]): ResultLine[] {
  const byHash = new Map<string, ResultLine>();
  for (const l of lines) {
    byHash.delete(l.hash);
    byHash.set(l.hash, l);
  }
  return [...byHash.values()];
}

/** The CSV text of a results file's lines. */
export function resultsToCsv(lines: ResultLine[]): string {
  requireArray('lines', lines).forEach((l, i) => requireObject(`lines[${i}]`, l));
  const rows = latestByHash(lines).map((l) => {
    const m = new Map<string, unknown>([
      ['hash', l.hash],
      ['kind', l.kind],
    ]);
    flatten('config', l.config, m);
    if (l.result !== undefined) flatten('result', l.result, m);
    m.set('error', l.error ? `${l.error.name}: ${l.error.message}` : '');
    m.set('timings.startedAt', l.timings?.startedAt);
    m.set('timings.wallSeconds', l.timings?.wallSeconds);
    if (l.ranOn) (m.set('ranOn.host', l.ranOn.host), m.set('ranOn.build', l.ranOn.build));
    return m;
  });
  // Columns in first-seen order, but error, timings and where it ran last.
  const tail = ['error', 'timings.startedAt', 'timings.wallSeconds', ...(rows.some((r) => r.get('ranOn.build') !== undefined) ? ['ranOn.host', 'ranOn.build'] : [])];
  const cols: string[] = [];
  const seen = new Set<string>(tail);
  for (const r of rows) for (const k of r.keys()) if (!seen.has(k)) (seen.add(k), cols.push(k));
  cols.push(...tail);
  const out = [cols.map(cell).join(',')];
  for (const r of rows) out.push(cols.map((c) => cell(r.get(c))).join(','));
  return out.join('\r\n') + '\r\n';
}
