// `weightstream validate`: the at-scale model against published measurements
// (specs/validation/measurements.json): one case calibrates the compute efficiency, every other is
// held out; prints case, source, measured, predicted, error and the binding resource. See docs/validation.md.
import type { Command } from 'commander';
import { emit, option, withCommonOptions, withExamples, type CommonOptions } from './common.js';

interface ValidateCliOptions extends CommonOptions {
  measurements?: string;
  spec?: string[];
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function register(program: Command): void {
  const cmd = program
    .command('validate')
    .summary('the at-scale model against measured runs')
    .description('the at-scale model against published Cerebras training measurements: the compute efficiency calibrated on one named run (its software release), every other run held out, with the error and the binding resource')
    .addOption(option('--measurements <file>', 'a measurements JSON (default: specs/validation/measurements.json)'))
    .addOption(option('--spec <file>', 'a hardware spec JSON replacing (or with "base", amending) a built-in one; repeatable', collect));
  withCommonOptions(cmd);
  withExamples(cmd, [
    'weightstream validate',
    'weightstream validate --json',
    'weightstream validate --spec faster-memoryx.json   # does a hardware change move the errors?',
  ]);
  cmd.action(async (opts: ValidateCliOptions) => {
    const { specsFor } = await import('../perf/index.js');
    const { validate, formatValidation } = await import('../perf/validate/index.js');
    const v = validate(opts.measurements, specsFor(opts.spec ?? []));
    emit(opts, v, () => formatValidation(v));
  });
}
