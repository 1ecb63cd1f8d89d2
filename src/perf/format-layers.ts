// The per-layer text table of `estimate --detail`: one row per layer with its parameters (exact, with
// thousands separators), FLOP per token, bytes streamed per pass, its seconds per pass (weights in, and
// compute forward + backward) and the resource that bounds it.
import type { LayerRow } from './types.js';
import { fmt } from './units.js';

/** An exact count with thousands separators: 317982 → "317,982". */
export function exactCount(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : fmt(n);
}

const bytes = (b: number) => (b === 0 ? '0' : b >= 1e9 ? `${fmt(b / 1e9)} GB` : b >= 1e6 ? `${fmt(b / 1e6)} MB` : b >= 1e3 ? `${fmt(b / 1e3)} kB` : `${fmt(b)} B`);
const secs = (s: number) => (s === 0 ? '0' : s >= 1 ? `${fmt(s)} s` : s >= 1e-3 ? `${fmt(s * 1e3)} ms` : `${fmt(s * 1e6)} us`);

/** Rows of LayerRow as an aligned table; `tokens` = tokens per pass (the row seconds are per pass). */
export function formatLayerTable(rows: readonly LayerRow[], tokens: number): string {
  const head = ['layer', 'kind', 'params', 'FLOP/token', 'streamed/pass', 'stream', 'compute', 'bound'];
  const body = rows.map((r) => [r.name, r.kind, exactCount(r.params), r.flopPerToken === 0 ? '0' : fmt(r.flopPerToken), bytes(r.streamBytes), secs(r.streamSeconds), secs(r.forwardSeconds + r.backwardSeconds), r.bound]);
  const all = [head, ...body];
  const w = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: string[]) => '  ' + r.map((c, i) => (i < 2 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  return [`Per layer (seconds per pass of ${fmt(tokens)} tokens on one system):`, line(head), ...body.map(line)].join('\n');
}
