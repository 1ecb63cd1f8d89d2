// The conventions every chart keeps: each positional axis has a title naming its unit in parentheses,
// and a one-line caption of some length.
import { expect } from 'vitest';
import type { Chart } from '../../src/report/types.js';

/** Every positional axis of a (possibly layered) spec has a title naming its unit in parentheses. */
function axisTitles(c: Chart): string[] {
  const titles: string[] = [];
  const visit = (s: Record<string, unknown>) => {
    const enc = s.encoding as Record<string, { title?: string; field?: string }> | undefined;
    for (const ch of ['x', 'y']) if (enc?.[ch]) titles.push(enc[ch].title ?? `(no title for ${enc[ch].field})`);
    for (const l of (s.layer as Array<Record<string, unknown>> | undefined) ?? []) visit(l);
  };
  visit(c.spec as Record<string, unknown>);
  return titles;
}

export function checkChartConventions(c: Chart) {
  const titles = axisTitles(c);
  expect(titles.length, c.id).toBeGreaterThan(0);
  for (const t of titles) expect(t, `${c.id}: axis title "${t}" names a unit`).toMatch(/\(.+\)/);
  expect(c.caption.length, c.id).toBeGreaterThan(20);
  expect(c.caption, `${c.id}: one line`).not.toMatch(/\n/);
}

