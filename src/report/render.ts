// Renders a vega-lite spec to an SVG string in Node: vega-lite compiles it to a vega spec, a headless
// vega View (renderer 'none') lays it out and writes SVG. No browser, no canvas, no network.
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';

/** The look shared by every chart (font, sizes), merged under each spec's own config. */
export const CHART_CONFIG = {
  font: 'Helvetica, Arial, sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', grid: true, gridOpacity: 0.5 },
  legend: { labelFontSize: 11, titleFontSize: 11, orient: 'right' },
  title: { fontSize: 14 },
  view: { stroke: '#ccc' },
} as const;

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const withConfig = { ...spec, config: { ...CHART_CONFIG, ...(spec as { config?: object }).config } } as TopLevelSpec;
  const compiled = vl.compile(withConfig).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Prefixes every id in an SVG (and the url(#id) / href="#id" references to them), so that several
 * charts inlined in one page never share a gradient or clip-path id.
 */
export function prefixSvgIds(svg: string, prefix: string): string {
  const ids = new Set<string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) ids.add(m[1]);
  if (ids.size === 0) return svg;
  const p = (id: string) => (ids.has(id) ? `${prefix}-${id}` : id);
  return svg
    .replace(/(\sid=")([^"]+)"/g, (_m, a: string, id: string) => `${a}${p(id)}"`)
    .replace(/url\(#([^)]+)\)/g, (_m, id: string) => `url(#${p(id)})`)
    .replace(/(href=")#([^"]+)"/g, (_m, a: string, id: string) => `${a}#${p(id)}"`);
}
