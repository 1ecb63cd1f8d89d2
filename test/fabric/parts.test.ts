// The fabric's parts: machine defaults agree with specs/hardware/cs2.json and carry sources; the edge's
// column streams hold exactly the layer's non-zeros; the CLI's flags, JSON fields and heatmap file.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FABRIC_DEFAULTS, FABRIC_MACHINE_SOURCES, fabricMachine } from '../../src/fabric/defaults.js';
import { blockStarts } from '../../src/fabric/mapping.js';
import { columnStreams } from '../../src/fabric/streams.js';
import { rootPath } from '../../src/paths.js';
import { decodeStream, randomStream } from '../../src/sparse/stream.js';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [rootPath('bin', 'weightstream.js'), ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('fabric machine defaults', () => {
  it('every figure has a source; hardware figures match specs/hardware/cs2.json', () => {
    for (const [k, v] of Object.entries(FABRIC_MACHINE_SOURCES)) expect(v.source.length, k).toBeGreaterThan(10);
    const spec = JSON.parse(readFileSync(rootPath('specs', 'hardware', 'cs2.json'), 'utf8')).figures;
    expect(FABRIC_DEFAULTS.coreSramBytes).toBe(spec.sramBytesPerCore.value);
    expect(FABRIC_DEFAULTS.fmacsPerCycle).toBe(spec.fmacPerCorePerCycle.value);
    expect(FABRIC_DEFAULTS.clockGHz).toBe(spec.clockGHz.value);
  });
  it('bad overrides name the field', () => {
    expect(() => fabricMachine({ fmacsPerCycle: 0 })).toThrow(/machine.fmacsPerCycle/);
    expect(() => fabricMachine({ accumulatorBuffers: 6 })).toThrow(/machine.accumulatorBuffers: expected a power of two, got 6/);
  });
});

describe('fabric edge: column streams', () => {
  const [K, N, C] = [23, 17, 5];
  const ws = randomStream(K, N, 0.6, 11);
  const W = decodeStream(ws);
  const kS = blockStarts(K, C);
  const nS = blockStarts(N, C);

  it('forward: per column, per output n, the non-zeros of W[column K slice, n] with local k deltas', () => {
    const cs = columnStreams(ws, 'forward', kS, nS);
    let total = 0;
    for (let c = 0; c < C; c++) {
      const w = cs.words[c];
      const f = new Float32Array(w.buffer);
      let p = 0;
      for (let n = 0; n < N; n++) {
        const count = w[p++];
        let k = 0;
        const seen: number[] = [];
        for (let j = 0; j < count; j++, p += 2) {
          k += w[p];
          expect(f[p + 1]).toBe(W[(kS[c] + k) * N + n]);
          seen.push(kS[c] + k);
        }
        const want = [];
        for (let kk = kS[c]; kk < kS[c + 1]; kk++) if (W[kk * N + n] !== 0) want.push(kk);
        expect(seen).toEqual(want);
      }
      expect(p).toBe(w.length);
      total += cs.nnz[c];
    }
    expect(total).toBe(ws.nnz);
  });

  it('gradient: positions only, and the order maps each column entry to its global stream index', () => {
    const cs = columnStreams(ws, 'gradient', kS, nS);
    const seen = new Set<number>();
    for (let c = 0; c < C; c++) {
      expect(cs.words[c].length).toBe(K + cs.nnz[c]);
      for (const i of cs.order![c]) seen.add(i);
    }
    expect(seen.size).toBe(ws.nnz);
  });
});

describe('weightstream fabric (CLI)', () => {
  const built = existsSync(rootPath('dist', 'src', 'cli', 'main.js'));
  it.runIf(built)('--json has the issue\'s fields; --heatmap writes {rows, cols, busy}', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fabric-'));
    const file = join(dir, 'h.json');
    const r = cli('fabric', '--rows', '3', '--cols', '4', '--batch', '10', '--in', '13', '--out', '9', '--sparsity', '0.5', '--pass', 'delta', '--seed', '7', '--json', '--quiet', '--heatmap', file);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    for (const k of ['cycles', 'fmacs', 'weightsStreamed', 'zeroWeightsSkipped', 'maxAbsError', 'coreUtilization', 'linkUtilization', 'breakdown', 'simCoreCyclesPerSecond', 'wallSeconds']) {
      expect(j, k).toHaveProperty(k);
    }
    expect(Object.keys(j.breakdown).sort()).toEqual(['computing', 'reducing', 'streaming', 'waiting']);
    expect(j.pass).toBe('delta');
    expect(j.weightsStreamed + j.zeroWeightsSkipped).toBe(13 * 9);
    const h = JSON.parse(readFileSync(file, 'utf8'));
    expect(h.rows).toBe(3);
    expect(h.cols).toBe(4);
    expect(h.busy).toHaveLength(12);
    expect(Math.max(...h.busy)).toBeLessThanOrEqual(j.cycles);
  });
  it.runIf(built)('a bad flag is a usage error naming it (exit 2); a layer too big is exit 1', () => {
    const bad = cli('fabric', '--pass', 'sideways');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--pass: expected one of forward, delta, gradient, got "sideways"/);
    const big = cli('fabric', '--rows', '1', '--cols', '1', '--batch', '512', '--in', '512', '--out', '8', '--quiet');
    expect(big.code).toBe(1);
    expect(big.stderr).toMatch(/^weightstream: error: .*over by \d+ bytes/);
  });
  it.runIf(built)('--check sampled and the memory fields in --json; a mesh past 4 GiB is refused in a line before allocating', () => {
    const r = cli('fabric', '--rows', '4', '--cols', '4', '--batch', '64', '--in', '64', '--out', '32', '--check', 'sampled', '--json', '--quiet');
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.check).toBe('sampled');
    expect(j.checkedOutputs).toBe(32 * 8);
    expect(j.errorBoundRatio).toBeLessThanOrEqual(1);
    expect(j.memoryEstimate.stateBytesPerCore).toBeGreaterThan(0);
    expect(j.setupSeconds).toBeGreaterThanOrEqual(0);
    const t0 = Date.now();
    // every row simulated (folded rows would simulate 4 of them; see fold.test.ts)
    const huge = cli('fabric', '--rows', '4096', '--cols', '4096', '--batch', '4096', '--in', '4096', '--out', '4096', '--fold', 'off', '--quiet');
    expect(huge.code).toBe(1);
    expect(huge.stderr.trim().split('\n')).toHaveLength(1);
    expect(huge.stderr).toMatch(/^weightstream: error: .*4096x4096 mesh.*needs \d+ bytes .* over its 4 GiB limit/);
    expect(Date.now() - t0).toBeLessThan(20_000);
    const off = cli('fabric', '--rows', '4', '--cols', '4', '--batch', '64', '--in', '64', '--out', '32', '--check', 'off', '--json', '--quiet');
    expect(off.code, off.stderr).toBe(0); // not checked is not a failed check
    expect(JSON.parse(off.stdout)).toMatchObject({ check: 'off', checkedOutputs: 0, maxAbsError: null });
    expect(off.stderr).not.toMatch(/differs/);
    const badCheck = cli('fabric', '--check', 'some');
    expect(badCheck.code).toBe(2);
    expect(badCheck.stderr).toMatch(/--check: expected one of auto, full, sampled, off, got "some"/);
  });
});
