// A results file on a disk that fills: the append that fails leaves part of a line, which is cut off, and no
// line is appended after it. Before, runs still in flight appended whole lines right after the torn part, so a
// line in the middle of the file held two results fused and every resume refused the file ("not a JSON line").
// The failing write(2) is made here (node:fs mocked for this file only): a short write, then ENOSPC.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

const disk = vi.hoisted(() => ({ free: Infinity }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const writeSync = ((fd: number, buf: Buffer, off: number, len: number) => {
    if (disk.free <= 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const n = fs.writeSync(fd, buf, off, Math.min(len, disk.free));
    disk.free -= n;
    return n;
  }) as typeof fs.writeSync;
  return { ...fs, default: { ...fs, writeSync }, writeSync };
});

const { ResultsAppender, readResultsForResume } = await import('../../src/sweep/results.js');

const line = (i: number) => ({ hash: `h${i}`, kind: 'estimate', config: { i }, result: { x: 'y'.repeat(40) }, timings: { seconds: 0 } });

describe('results file on a full disk', () => {
  it('a failed append is cut back to the whole lines, and every later append is refused: the file resumes', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ws-full-')), 'r.jsonl');
    writeFileSync(file, JSON.stringify(line(0)) + '\n');
    const a = new ResultsAppender(file);
    a.append(line(1));
    disk.free = 30; // part of the next line fits
    expect(() => a.append(line(2))).toThrow(/r\.jsonl: cannot append a result \(ENOSPC\); the lines before it are whole: free space and rerun to resume$/);
    disk.free = Infinity; // space freed while runs were still in flight
    expect(() => a.append(line(3))).toThrow(/cannot append a result \(ENOSPC\)/);
    a.close();
    expect(readFileSync(file, 'utf8')).toBe(`${JSON.stringify(line(0))}\n${JSON.stringify(line(1))}\n`);
    const again = readResultsForResume(file);
    expect([again.lines.map((l) => l.hash), again.truncatedBytes]).toEqual([['h0', 'h1'], 0]);
  });
});
