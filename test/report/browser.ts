// Opens a report in a real headless Chromium (Debian's `chromium`; .ci/run installs it) and reports
// what the browser saw: every console message of the page as shipped, and — on a copy with a small
// checking script added (the page itself has no scripts, and its CSP forbids them) — the errors
// raised up to the load event (resources that failed included) and, for each chart, whether an <svg> with marks was laid out with a non-zero size,
// which series its marks draw and the text of its legend labels.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromiumPath, outside } from '../helpers/outside.js';

export const CHROMIUM = chromiumPath();

export interface ChartCheck {
  id: string;
  svg: boolean;
  width: number;
  height: number;
  /** Elements inside vega's mark groups (paths, rects, lines, text of marks). */
  marks: number;
  /** Size of the bounding box of the first mark group, in SVG units. */
  markBox: [number, number] | null;
  caption: string;
  /** The series the SVG draws: distinct aria-labels (vega's description channel) of visible marks in the layers named series_* (a bar: non-zero width and height). */
  drawnSeries: string[];
  /** Every legend label's text, as drawn (vega cuts a label past its labelLimit with "…"). */
  legendLabels: string[];
}

export interface BrowserCheck {
  /** Console lines Chromium logged while showing the page as shipped (a page with no scripts logs none). */
  console: string[];
  /** Errors caught on the checking copy (script errors, resources that failed to load). */
  errors: string[];
  charts: ChartCheck[];
  screenshot: string;
}

const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-quic',
  // No network at all: every host name fails to resolve, so the page must be self-contained.
  '--host-resolver-rules=MAP * ~NOTFOUND',
];

function chromium(args: string[]): { stdout: string; stderr: string } {
  const profile = mkdtempSync(join(tmpdir(), 'ws-chromium-'));
  try {
    const r = spawnSync(CHROMIUM, [...FLAGS, `--user-data-dir=${profile}`, ...args], { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 << 20 });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`chromium exited ${r.status}: ${r.stderr.split('\n').slice(-5).join('\n')}`);
    return { stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

const CATCH = `<script>window.__wsErrors=[];window.addEventListener('error',function(e){var t=e.target;window.__wsErrors.push(String(e.message||(t&&(t.src||t.href||t.tagName))||'error'))},true);(function(){var ce=console.error;console.error=function(){window.__wsErrors.push([].map.call(arguments,String).join(' '));ce.apply(console,arguments)}})();</script>`;
const CHECK = `<script>window.addEventListener('load',function(){var out={errors:window.__wsErrors,charts:[]};
document.querySelectorAll('figure.chart').forEach(function(f){var svg=f.querySelector('svg');var r=svg?svg.getBoundingClientRect():null;
var g=svg?svg.querySelector('g.role-mark'):null;var b=g?g.getBBox():null;
out.charts.push({id:f.getAttribute('data-chart'),svg:!!svg,width:r?r.width:0,height:r?r.height:0,
marks:svg?svg.querySelectorAll('g.role-mark > *').length:0,markBox:b?[b.width,b.height]:null,
caption:(f.querySelector('figcaption .caption')||{}).textContent||'',
drawnSeries:svg?Array.from(new Set(Array.from(svg.querySelectorAll('g.role-mark[class*="series_"] [aria-label]')).filter(function(e){var bb=e.getBBox();return e.getAttribute('aria-roledescription')==='bar'?bb.width>0&&bb.height>0:bb.width+bb.height>0}).map(function(e){return e.getAttribute('aria-label')}))):[],
legendLabels:svg?Array.from(svg.querySelectorAll('g.role-legend-label text')).map(function(t){return t.textContent}):[]});});
var pre=document.createElement('pre');pre.id='ws-check';pre.textContent=JSON.stringify(out);document.body.appendChild(pre);});</script>`;

/** Loads `html` (a report.html path) in Chromium twice: as shipped (console + screenshot), and as a checking copy. */
export function checkInBrowser(html: string, screenshotDir: string): BrowserCheck {
  const screenshot = join(screenshotDir, 'report.png');
  const shipped = chromium(['--enable-logging=stderr', '--v=0', '--window-size=1200,2400', `--screenshot=${screenshot}`, pathToFileURL(html).href]);
  const consoleLines = shipped.stderr.split('\n').filter((l) => /:CONSOLE[:(]/.test(l));
  if (!existsSync(screenshot)) throw new Error(`chromium wrote no screenshot to ${screenshot}`);

  const page = readFileSync(html, 'utf8');
  const copy = page
    .replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '')
    .replace('<head>', '<head>' + CATCH)
    .replace('</body>', CHECK + '</body>');
  const copyFile = join(screenshotDir, 'report.check.html');
  writeFileSync(copyFile, copy);
  const dom = chromium(['--dump-dom', pathToFileURL(copyFile).href]).stdout;
  const m = /<pre id="ws-check">([\s\S]*?)<\/pre>/.exec(dom);
  if (!m) throw new Error('the checking script left no result in the DOM (did it run?)');
  const text = m[1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&nbsp;/g, '\u00a0').replace(/&amp;/g, '&');
  const res = JSON.parse(text) as { errors: string[]; charts: ChartCheck[] };
  return { console: consoleLines, errors: res.errors, charts: res.charts, screenshot };
}

/** Whether a browser test may run here: the one rule for outside tools (test/helpers/outside.ts). */
export function chromiumAvailable(): boolean {
  return outside(['chromium'], 'report in headless Chromium (test/report/browser.test.ts)');
}
