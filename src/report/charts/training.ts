// Training summaries (the JSON of `weightstream train --json`): a table of the headline numbers of
// each run. (Charts of per-step curves are added when summaries carry them.)
import type { ReportTable } from '../html.js';
import type { Chart } from '../types.js';

export function trainingTable(inputs: Array<{ file: string; summary: Record<string, unknown> }>): { charts: Chart[]; tables: ReportTable[] } {
  const scalarKeys = new Set<string>();
  for (const i of inputs) for (const [k, v] of Object.entries(i.summary)) if (typeof v === 'number' || typeof v === 'string') scalarKeys.add(k);
  const header = ['file', ...[...scalarKeys].filter((k) => k !== 'kind')];
  const rows = inputs.map((i) => header.map((h) => (h === 'file' ? i.file : fmt(i.summary[h]))));
  return { charts: [], tables: [{ id: 'training', title: 'Training runs', caption: 'One row per training summary given.', header, rows }] };
}

function fmt(v: unknown): string | number {
  if (typeof v === 'number') return Number.isInteger(v) ? v : Number(v.toPrecision(4));
  return v === undefined ? '' : String(v);
}
