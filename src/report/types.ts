// The shapes of a report: the inputs it was given (classified by what they hold) and the charts made
// from them. A chart is a vega-lite spec plus the words around it; rendering turns it into SVG.
import type { TopLevelSpec } from 'vega-lite';
import type { ResultLine } from '../sweep/types.js';

/** A Chrome Trace Event (the subset a timeline needs). ts and dur are microseconds. */
export interface TraceEventLike {
  name?: string;
  cat?: string;
  ph: string;
  ts?: number;
  dur?: number;
  pid?: number | string;
  tid?: number | string;
  args?: Record<string, unknown>;
}

/** One input file, classified. */
export type ReportInput =
  | { type: 'sweep'; file: string; lines: ResultLine[] }
  | { type: 'trace'; file: string; events: TraceEventLike[] }
  | { type: 'training'; file: string; summary: Record<string, unknown> }
  | { type: 'heatmap'; file: string; heatmap: Heatmap }
  | { type: 'sensitivity'; file: string; sensitivity: SensitivityInput };

/** One step-time figure of `estimate --sensitivity --json`: the step with the figure at a factor. */
export interface SensitivityInputPoint {
  factor: number;
  stepSeconds: number;
  bound: string;
}

/** `estimate --sensitivity --json`: the step time with each hardware figure halved and doubled. */
export interface SensitivityInput {
  baseline: { stepSeconds: number; bound: string };
  rows: Array<{ figure: string; spec: string; low: SensitivityInputPoint; high: SensitivityInputPoint }>;
}

/** A wafer grid (a core's busy share of the cycles): rows × cols values in [0, 1], row-major, plus what it measured. */
export interface Heatmap {
  rows: number;
  cols: number;
  /** rows·cols values, row-major (row r, column c at r·cols + c). */
  values: number[];
  /** What a cell's value is, e.g. 'busy cycles / total cycles'. */
  metric: string;
  /** Free-form facts about the run (layer, sparsity, cycles ...), shown under the chart. */
  about?: Record<string, unknown>;
}

/** A chart ready to render. */
export interface Chart {
  /** Stable id, used for the file name and the page anchor. */
  id: string;
  title: string;
  /** One line saying what to look at. */
  caption: string;
  spec: TopLevelSpec;
  /** Which input files it was made from. */
  sources: string[];
  /** Facts about what is drawn (cuts, left-out tracks ...), shown small under the caption. */
  notes?: string;
  /** The series the data holds (one legend entry and one drawn set of marks each), where the chart has series. */
  series?: string[];
}

/** A chart rendered to SVG. */
export interface RenderedChart extends Chart {
  svg: string;
}
