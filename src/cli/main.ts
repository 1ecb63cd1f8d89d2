// Entry of the weightstream CLI: builds the commander program from the command list and maps every
// outcome to an exit code (0 done, 1 failed, 2 usage). bin/weightstream.js calls run().
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { rootPath } from '../paths.js';
import { commands } from './commands.js';
import { EXIT_OK, reportError } from './common.js';

export function version(): string {
  return (JSON.parse(readFileSync(rootPath('package.json'), 'utf8')) as { version: string }).version;
}

export async function buildProgram(): Promise<Command> {
  const program = new Command('weightstream')
    .description('Simulate wafer-scale weight-streaming training (Cerebras CS-2 + MemoryX + SwarmX): functional training on simulated systems, the wafer at cycle level, and time/capacity at scale.')
    .version(version(), '-V, --version', 'print the version')
    .exitOverride();
  program.configureOutput({
    // commander's own usage errors: one line, then our exit code 2.
    writeErr: (s) => process.stderr.write(s.startsWith('error:') ? `weightstream: ${s}` : s),
  });
  for (const load of commands) (await load()).register(program);
  for (const c of program.commands) c.exitOverride();
  return program;
}

/** Runs the CLI on argv (without node and script). Returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    const program = await buildProgram();
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT_OK;
    }
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (err) {
    return reportError(err, debug);
  }
}
