// What both sweep coordinators (local pool, Redis queue) share on the command line: ^C handling (the
// first signal stops taking new work and lets what is in flight finish, a second one exits at once) and
// the closing summary's text.

import { STOP_SIGNALS, removeOrphanFlash } from '../io/cleanup.js';

/** Aborts `signal` on the first SIGINT/SIGTERM/SIGHUP (printing `message`), exits 1 on the second; dispose() uninstalls. */
export function stopOnSignals(message: string): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  const onSignal = () => {
    if (ac.signal.aborted) {
      removeOrphanFlash(); // the runs' threads die with the process: their MemoryX flash files go with them
      process.exit(1); // second ^C: stop now (every written line is whole)
    }
    process.stderr.write(`\nweightstream: ${message}\n`);
    ac.abort();
  };
  for (const sig of STOP_SIGNALS) process.on(sig, onSignal);
  return {
    signal: ac.signal,
    dispose() {
      for (const sig of STOP_SIGNALS) process.off(sig, onSignal);
    },
  };
}

interface SummaryLike {
  runs: number;
  ran: number;
  failed: number;
  skipped: number;
  truncatedBytes: number;
  csv?: string | null;
  build?: string;
  otherBuilds?: { lines: number; builds: string[] };
}

/** The summary lines of a sweep: runs, what ran and failed, what was already done (`rate` follows), the files. */
export function sweepSummaryText(title: string, s: SummaryLike, out: string, rate: string): string {
  return [
    `sweep ${title}: ${s.runs} runs: ${s.ran} ran${s.failed ? ` (${s.failed} failed: see their error in the results)` : ''}, ${s.skipped} already done${rate}`,
    s.truncatedBytes ? `  cut a torn last line (${s.truncatedBytes} bytes) from ${out} before appending` : '',
    s.otherBuilds?.lines ? `  ${s.otherBuilds.lines} of its results ${s.otherBuilds.lines === 1 ? 'was' : 'were'} computed by another build (${s.otherBuilds.builds.join(', ')}; this is ${s.build}): their lines say so (ranOn); a fresh --out reruns them all` : '',
    `  results: ${out}${s.csv ? `\n  CSV: ${s.csv}` : ''}`,
  ].filter(Boolean).join('\n');
}
