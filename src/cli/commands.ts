// The list of weightstream commands: one file per command under src/cli/, each exporting a
// `register(program)` that adds its subcommand. Add a line here when a command arrives.
import type { Command } from 'commander';

export type Register = (program: Command) => void;

export const commands: Array<() => Promise<{ register: Register }>> = [
  // one line per command, e.g. () => import('./estimate.js'),
  () => import('./sweep.js'),
  () => import('./report.js'),
  () => import('./estimate.js'),
  () => import('./claims.js'),
  () => import('./validate.js'),
  () => import('./train.js'),
  () => import('./demo.js'),
  () => import('./fabric.js'),
  () => import('./worker.js'),
];
