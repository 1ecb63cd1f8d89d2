// Progress lines off a terminal: the counts, and with `rate` the pace since the previous line and the time
// left at that pace (what a fabric run of hours shows), on a fake stream and a fake clock.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProgress, paceText } from '../../src/cli/progress.js';

function fakeStream() {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (s: string) => (lines.push(s), true) } as unknown as NodeJS.WriteStream;
  return { stream, lines };
}

describe('progress lines', () => {
  afterEach(() => vi.useRealTimers());

  it('with rate: the pace since the previous line and the time left; without: the counts only', () => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
    const a = fakeStream();
    const b = fakeStream();
    const withRate = createProgress({ label: 'fabric', total: 547870, unit: 'cycles (estimated total)', intervalSeconds: 1, rate: true, stream: a.stream });
    const plain = createProgress({ label: 'fabric', total: 547870, unit: 'cycles (estimated total)', intervalSeconds: 1, stream: b.stream });
    for (const p of [withRate, plain]) p.update(1024);
    vi.setSystemTime(1_000_000 + 60_000);
    for (const p of [withRate, plain]) p.update(2048); // 1024 cycles in 60 s: 17.1 a second, 546,846 / 17.07 s ≈ 8.9 h
    expect(a.lines).toEqual(['fabric: 1024/547870 cycles (estimated total)\n', 'fabric: 2048/547870 cycles (estimated total), 17.1 cycles/s, about 8.9 h left\n']);
    expect(b.lines).toEqual(['fabric: 1024/547870 cycles (estimated total)\n', 'fabric: 2048/547870 cycles (estimated total)\n']);
  });

  it('paceText: seconds, minutes and hours; no time left once done or without progress', () => {
    expect(paceText(50, 1000, 2000, 'steps')).toBe(', 50.0 steps/s, about 40 s left');
    expect(paceText(500, 1000, 300_000, 'runs')).toBe(', 500 runs/s, about 10.0 min left');
    expect(paceText(10, 1000, 0, 'cycles (estimated total)')).toBe(', 10.0 cycles/s');
    expect(paceText(0, 1000, 10, 'cycles')).toBe(', 0.00 cycles/s');
  });
});
