// The one-line model summary (describePlan) and exact counts in the text outputs (issue 18): residual
// blocks read as "residual(layernorm, ...)", never "residual(, layernorm"; counts exact with separators.
import { describe, expect, it } from 'vitest';
import { compileModel, describePlan } from '../../src/model/compile.js';
import { estimate } from '../../src/perf/estimate.js';
import { formatEstimate } from '../../src/perf/format.js';
import { perfModelFromEngine } from '../../src/perf/models.js';

describe('describePlan', () => {
  it('residual blocks in parentheses, parts separated once, exact counts', () => {
    const plan = compileModel({ input: 8, layers: [{ type: 'linear', out: 8 }, { type: 'residual', layers: [{ type: 'layernorm' }, { type: 'linear', out: 32 }, { type: 'gelu' }, { type: 'linear', out: 8 }] }, { type: 'linear', out: 4 }] });
    const text = describePlan(plan);
    expect(text).toMatch(/^8 -> linear 8->8, residual\(layernorm, linear 8->32, gelu, linear 32->8\), linear 8->4 -> 4 classes; /);
    expect(text).not.toMatch(/\(,|, \)|,,/);
    const wide = compileModel({ input: 784, layers: [{ type: 'linear', out: 400 }, { type: 'relu' }, { type: 'linear', out: 10 }] });
    expect(describePlan(wide)).toMatch(/; 318,010 stored parameters \(318,010 dense\)$/);
  });

  it('estimate text: a parameter count is exact with separators (an MLP of 318,010, not "318000")', () => {
    const m = perfModelFromEngine({ input: 784, layers: [{ type: 'linear', out: 400 }, { type: 'relu' }, { type: 'linear', out: 10 }] });
    const text = formatEstimate(estimate(m, { systems: 1, batchTokens: 1000, trainTokens: 1e6 }));
    expect(text).toMatch(/parameters +318,010\n/);
    expect(text).not.toMatch(/318000/);
  });
});
