// The wafer busy-cycle heatmap of a fabric run: one cell per core of the simulated mesh (row, column
// as on the wafer), coloured by the fraction of cycles it was busy. Meshes larger than MAX_SIDE on a
// side are averaged into blocks so the page stays light (the caption says so).
import type { Chart, Heatmap } from '../types.js';

export const MAX_SIDE = 64;

/** Averages a rows × cols grid into at most MAX_SIDE × MAX_SIDE blocks. */
export function downsample(h: Heatmap): { rows: number; cols: number; values: number[]; block: [number, number] } {
  const br = Math.ceil(h.rows / MAX_SIDE);
  const bc = Math.ceil(h.cols / MAX_SIDE);
  if (br === 1 && bc === 1) return { rows: h.rows, cols: h.cols, values: h.values, block: [1, 1] };
  const rows = Math.ceil(h.rows / br);
  const cols = Math.ceil(h.cols / bc);
  const sum = new Float64Array(rows * cols);
  const cnt = new Float64Array(rows * cols);
  for (let r = 0; r < h.rows; r++) {
    for (let c = 0; c < h.cols; c++) {
      const i = Math.floor(r / br) * cols + Math.floor(c / bc);
      sum[i] += h.values[r * h.cols + c];
      cnt[i]++;
    }
  }
  return { rows, cols, values: Array.from(sum, (s, i) => s / cnt[i]), block: [br, bc] };
}

/** About 8 tick values along a side of n cells of `block` cores each. */
function ticks(n: number, block: number): number[] {
  const every = Math.max(1, Math.ceil(n / 8));
  return Array.from({ length: Math.ceil(n / every) }, (_, i) => i * every * block);
}

export function heatmapChart(h: Heatmap, file: string, id = 'heatmap'): Chart {
  const d = downsample(h);
  const values: Array<{ row: number; col: number; value: number }> = [];
  for (let r = 0; r < d.rows; r++) for (let c = 0; c < d.cols; c++) values.push({ row: r * d.block[0], col: c * d.block[1], value: d.values[r * d.cols + c] });
  const mean = h.values.reduce((s, x) => s + x, 0) / h.values.length;
  const about = h.about ? Object.entries(h.about).map(([k, v]) => `${k} ${v}`).join('; ') : '';
  const side = Math.min(520, Math.max(160, 8 * Math.max(d.rows, d.cols)));
  const blockNote = d.block[0] * d.block[1] > 1 ? ` Each cell averages ${d.block[0]}×${d.block[1]} cores.` : '';
  const width = Math.round((side * d.cols) / Math.max(d.rows, d.cols));
  const height = Math.round((side * d.rows) / Math.max(d.rows, d.cols));
  return {
    id,
    title: `Wafer busy-cycle heatmap (${h.rows}×${h.cols} cores${about ? ': ' + about : ''})`,
    caption: `Dark cells are cores that sat idle (waiting for data or with no work); bright cells were busy. Mean ${(100 * mean).toFixed(1)} %.`,
    notes: `Cell value: ${h.metric === 'utilisation' ? 'busy share' : h.metric} (a core's streaming, computing and reducing cycles over the run's cycles; the FMAC utilization fabric prints counts computing only).${blockNote}`,
    sources: [file],
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width,
      height,
      data: { values },
      mark: { type: 'rect' },
      encoding: {
        x: { field: 'col', type: 'ordinal', title: 'x (core column)', axis: { values: ticks(d.cols, d.block[1]), labelAngle: 0 } },
        y: { field: 'row', type: 'ordinal', title: 'y (core row)', axis: { values: ticks(d.rows, d.block[0]) } },
        color: { field: 'value', type: 'quantitative', title: 'busy share (0-1)', scale: { domain: [0, 1], scheme: 'viridis' }, legend: { gradientLength: Math.max(60, height - 20) } },
      },
    },
  };
}
