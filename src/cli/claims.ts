// `weightstream claims`: the article's claims (M4, M6, M7, M11) checked by the at-scale model, one row
// per claim with what the model says, its assumptions and a verdict. See docs/at-scale.md.
import type { Command } from 'commander';
import { emit, option, parseInteger, parseNumber, withCommonOptions, withExamples, type CommonOptions } from './common.js';

interface ClaimsCliOptions extends CommonOptions {
  spec?: string[];
  systems?: number;
  longWeekendDays?: number;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function register(program: Command): void {
  const cmd = program
    .command('claims')
    .summary("the article's claims checked line by line")
    .description("the article's claims checked line by line: Lambda's 355 GPU-years and $4.6 M, GPT-3 in a day on 192 CS-2, a 1 T model in a long weekend, 120 T parameters in MemoryX, near-linear scaling, ~10x from sparsity")
    .addOption(option('--spec <file>', 'a hardware spec JSON replacing (or with "base", amending) a built-in one; repeatable', collect))
    .addOption(option('--systems <n>', 'systems of "the largest cluster" (default: SwarmX maxSystems, 192)', parseInteger('--systems', 1)))
    .addOption(option('--long-weekend-days <d>', '"a long weekend" in days (default 3)', parseNumber('--long-weekend-days', 0.01, 1000)));
  withCommonOptions(cmd);
  withExamples(cmd, [
    'weightstream claims',
    'weightstream claims --json',
    'weightstream claims --spec faster-memoryx.json   # what if MemoryX -> CS-2 ran faster?',
  ]);
  cmd.action(async (opts: ClaimsCliOptions) => {
    const { claims, formatClaims, specsFor } = await import('../perf/index.js');
    const c = claims(specsFor(opts.spec ?? []), { systems: opts.systems, longWeekendDays: opts.longWeekendDays });
    emit(opts, c, () => formatClaims(c));
  });
}
