// A bench's scratch directory and the processes it starts (a redis-server, queue workers), removed and
// stopped however the bench ends: at its end, on an error, or on SIGINT/SIGTERM/SIGHUP. A `finally` block
// alone does not run when a signal ends the process: a killed bench left its directory in $TMPDIR.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STOP_SIGNALS } from '../src/io/cleanup.js';

const dirs: string[] = [];
const children = new Set<ChildProcess>();
let hooked = false;

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const c of children) c.kill('SIGTERM');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  for (const sig of STOP_SIGNALS) {
    process.on(sig, () => {
      process.stderr.write(`\nbench: interrupted (${sig}); its scratch directory removed, its servers stopped\n`);
      process.exit(1); // runs the exit hook above
    });
  }
}

/** A fresh directory under $TMPDIR named `<prefix>XXXXXX`, removed when the process ends. */
export function scratchDir(prefix: string): string {
  hook();
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/** A child process stopped (SIGTERM) when the bench ends, if it has not ended first. */
export function stopWithBench<T extends ChildProcess>(p: T): T {
  hook();
  children.add(p);
  p.once('exit', () => children.delete(p));
  return p;
}
