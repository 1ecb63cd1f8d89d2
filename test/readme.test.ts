// The README's library examples run as they stand: every ```js block of its "The library API" section is
// written to a file inside the package (so `import ... from 'weightstream'` resolves to this package by
// self-reference) and run with node on the built package; each must exit 0 and print something.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rootPath } from '../src/paths.js';

function apiExamples(): string[] {
  const readme = readFileSync(rootPath('README.md'), 'utf8');
  const start = readme.indexOf('## The library API');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
}

const dir = rootPath('.readme-examples');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('README examples', () => {
  const examples = apiExamples();
  it('the README has library examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(4);
  });
  examples.forEach((code, i) => {
    it(`example ${i + 1} runs: ${code.split('\n')[0]}`, () => {
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `example-${i + 1}.mjs`);
      writeFileSync(file, code);
      const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, WEIGHTSTREAM_WASM: 'release' } });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout.trim().length).toBeGreaterThan(0);
    }, 150_000);
  });
});
