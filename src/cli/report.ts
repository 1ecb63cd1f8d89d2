// `weightstream report INPUT... --out DIR`: one self-contained HTML page of charts (SVG, no network)
// from sweep results, training summaries, traces, fabric heatmaps and sensitivities (estimate --sensitivity --json).
import type { Command } from 'commander';
import { emit, inputPathError, isFile, option, outputError, withCommonOptions, withExamples, type CommonOptions } from './common.js';

interface ReportCliOptions extends CommonOptions {
  out: string;
  title?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command('report')
    .summary('an HTML report with charts from results')
    .description('write an HTML report with charts (self-contained: inline SVG, viewable offline) from sweep results (.jsonl), training summaries (train --json), traces (Chrome Trace Event JSON), fabric heatmaps and sensitivities (estimate --sensitivity --json: a tornado chart)')
    .argument('<inputs...>', 'input files: sweep results, training summaries, traces, fabric heatmaps, sensitivities')
    .addOption(option('--out <dir>', 'directory to write report.html and one .svg per chart into', undefined, 'report'))
    .addOption(option('--title <text>', 'page title'));
  withCommonOptions(cmd);
  withExamples(cmd, [
    'weightstream report scaling.jsonl --out report/',
    'weightstream report scaling.jsonl fabric.jsonl train-dense.json train-sparse.json step.trace.json heatmap.json --out report/',
    'weightstream report step.trace.json --out /tmp/r --title "Pipeline of one step" --json',
    'weightstream estimate --model gpt3-175b --systems 16 --sensitivity --json > sens.json && weightstream report sens.json --out /tmp/r',
  ]);
  cmd.action(async (inputs: string[], opts: ReportCliOptions) => {
    await checkInputPaths(inputs);
    const { checkOutputs, makeDirs } = await import('../io/files.js');
    // The report writes DIR/report.html and DIR/<chart>.svg: none of them may be an input.
    try {
      checkOutputs({ inputs: inputs.map((f) => ({ label: 'input', path: f })), outputs: [{ label: '--out', path: opts.out, dir: true }], writes: (n) => n === 'report.html' || n.endsWith('.svg') });
      makeDirs(opts.out, '--out'); // a directory that cannot be made is refused here, not at the first chart's write
    } catch (e) {
      throw outputError(e); // a bad flag
    }
    const { writeReport } = await import('../report/index.js'); // vega loads only when a report is made
    // ^C or SIGTERM while a chart is written: its temporary is removed, one line, exit 1 (it was left, and the exit was the signal's)
    const uninstallCleanup = (await import('../io/cleanup.js')).installCleanup();
    let r;
    try {
      r = await writeReport(inputs, opts.out, { title: opts.title });
    } finally {
      uninstallCleanup();
    }
    emit(opts, r, () =>
      [
        `report: ${r.html} (${r.charts.length} chart${r.charts.length === 1 ? '' : 's'}${r.tables.length ? `, ${r.tables.length} table${r.tables.length === 1 ? '' : 's'}` : ''})`,
        ...r.charts.map((c) => `  ${c.title}`),
        ...r.skipped.map((s) => `  no chart: ${s}`),
      ].join('\n'),
    );
  });
}

/** Refuses, before anything is read, an input that names no regular file (a bad argument): the reader's own words. */
async function checkInputPaths(inputs: string[]): Promise<void> {
  const { readInput } = await import('../report/inputs.js');
  for (const f of inputs.filter((p) => !isFile(p))) {
    try {
      readInput(f); // refuses it: missing, a directory, a FIFO
    } catch (e) {
      throw inputPathError(e, f);
    }
  }
}
