// vitest global setup: gives the test processes a file to record the reference checks they skip for a
// missing outside tool (test/helpers/outside.ts), and at the end of the run prints them with the one
// `apt-get install` line that enables them.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SKIPS_ENV } from './outside.js';

export function summarizeSkips(text: string): string {
  const skips = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { what: string; tools: string[]; pkgs: string[] });
  if (skips.length === 0) return '';
  const whats = [...new Set(skips.map((s) => `  - ${s.what} (needs ${s.tools.join(', ')})`))];
  const pkgs = [...new Set(skips.flatMap((s) => s.pkgs))].sort();
  return [
    `\nReference checks SKIPPED because an outside tool is missing (${whats.length}):`,
    ...whats,
    `To run them too (Debian; CI installs them all and fails without them):`,
    `  apt-get install -y ${pkgs.join(' ')}\n`,
  ].join('\n');
}

export default function setup(): () => void {
  const file = join(tmpdir(), `weightstream-skipped-references-${process.pid}.jsonl`);
  writeFileSync(file, '');
  process.env[SKIPS_ENV] = file;
  return () => {
    if (!existsSync(file)) return;
    const summary = summarizeSkips(readFileSync(file, 'utf8'));
    rmSync(file, { force: true });
    if (summary) process.stdout.write(summary + '\n');
  };
}
