// The public surface is checked: API Extractor analyses dist/src/index.d.ts (the build makes it; `npm test`
// builds first) in CI mode (localBuild: false) and this test fails when the API report it produces differs
// from the committed api/weightstream.api.md. After a deliberate change to src/index.ts (or to a public
// type), run `npm run build && npm run api` and commit the new report: the diff is the API change.
import { existsSync, readFileSync } from 'node:fs';
import { Extractor, ExtractorConfig, type ExtractorMessage } from '@microsoft/api-extractor';
import { describe, expect, it } from 'vitest';
import { rootPath } from '../src/paths.js';
import * as api from '../src/index.js';

describe('the public API report', () => {
  it('api/weightstream.api.md matches the built package (npm run api regenerates it)', () => {
    expect(existsSync(rootPath('dist/src/index.d.ts')), 'build first: npm run build:ts').toBe(true);
    const config = ExtractorConfig.loadFileAndPrepare(rootPath('api-extractor.json'));
    const errors: string[] = [];
    const result = Extractor.invoke(config, {
      localBuild: false,
      messageCallback: (m: ExtractorMessage) => {
        if (m.logLevel === 'error') errors.push(m.text);
        m.handled = true; // keep the console quiet; the assertions say what went wrong
      },
    });
    expect(result.apiReportChanged, `the public API changed: compare api/weightstream.api.md with ${config.reportTempFilePath} and, if intended, run npm run api`).toBe(false);
    expect(errors).toEqual([]);
    expect(result.succeeded).toBe(true);
  }, 180_000);

  it('keeps internals out: none of the machinery is exported', () => {
    const report = readFileSync(rootPath('api/weightstream.api.md'), 'utf8');
    for (const name of ['planLayout', 'slotPtr', 'Arena', 'SwarmX', 'MemoryX', 'reduceTree', 'Executor', 'createBackend', 'FabricSim', 'packWire', 'writeFileAtomic', 'createMemory', 'runHash']) {
      expect(report, name).not.toMatch(new RegExp(`^export (declare )?(function|class|const|interface|type) ${name}\\b`, 'm'));
    }
    for (const name of ['createCluster', 'trainReference', 'runEstimate', 'estimate', 'preset', 'claims', 'runFabric', 'runSweep', 'writeReport', 'loadDigits', 'readSafetensors', 'ValidationError', 'schedule', 'summarize', 'toTrace', 'writeTrace']) {
      expect(report, name).toMatch(new RegExp(`^export (declare )?(function|class|const) ${name}\\b`, 'm'));
    }
  });
});

describe('every exported function called with no argument', () => {
  // A JavaScript caller (no types) gets a line naming the argument, as for a bad value, not the runtime's
  // "Cannot read properties of undefined" from somewhere inside.
  const raw = /Cannot read prop|Cannot destructure|is not a function|is not iterable|argument must be of type/;
  const functions = Object.entries(api).filter(([name, f]) => typeof f === 'function' && !/^[A-Z]/.test(name));
  it('refuses with a message naming it, or runs on its defaults', async () => {
    expect(functions.length).toBeGreaterThan(100);
    const rawErrors: string[] = [];
    for (const [name, f] of functions) {
      try {
        await (f as () => unknown)();
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        if (raw.test(message)) rawErrors.push(`${name}: ${message}`);
      }
    }
    expect(rawErrors).toEqual([]);
  });
});
