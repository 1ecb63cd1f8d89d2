// `npm run screenshots`: runs the demo (--quick) into a temporary folder and saves each chart of its
// report as a PNG in docs/img/demo-<chart>.png (headless Chromium, no network), for
// docs/sweeps-reports.md. Needs `npm run build` and Chromium (CHROMIUM, default /usr/bin/chromium).
//   node scripts/screenshots.mjs [--out DIR] [--demo DIR]   (--demo: reuse a finished demo's folder)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = 'usage: node scripts/screenshots.mjs [--out DIR] [--demo DIR]   (writes docs/img/demo-<chart>.png unless --out)';
// strict: a typo must not run the demo and replace the committed images
let flags;
try {
  flags = parseArgs({ options: { out: { type: 'string' }, demo: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true }).values;
} catch (e) {
  console.error(`screenshots: ${e.message.split('\n')[0]} (${USAGE})`);
  process.exit(2);
}
if (flags.help) {
  console.log(USAGE);
  process.exit(0);
}
const outDir = resolve(flags.out ?? join(root, 'docs', 'img'));
const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  console.error(`screenshots: ${chromium} does not exist (apt-get install chromium, or set CHROMIUM)`);
  process.exit(1);
}

let demo = flags.demo;
if (!demo) {
  demo = mkdtempSync(join(tmpdir(), 'ws-demo-'));
  console.log(`screenshots: running the demo (--quick) into ${demo}`);
  const r = spawnSync(process.execPath, [join(root, 'bin', 'weightstream.js'), 'demo', '--quick', '--quiet', '--out', demo], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const report = join(demo, 'report');
mkdirSync(outDir, { recursive: true });
const profile = mkdtempSync(join(tmpdir(), 'ws-chromium-'));
try {
  for (const file of readdirSync(report).filter((f) => f.endsWith('.svg')).sort()) {
    const svg = readFileSync(join(report, file), 'utf8');
    const m = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
    if (!m) throw new Error(`${file}: no width/height on its <svg>`);
    const [w, h] = [Math.ceil(Number(m[1])) + 16, Math.ceil(Number(m[2])) + 16];
    const page = join(profile, `${file}.html`);
    writeFileSync(page, `<!DOCTYPE html><html><body style="margin:8px;background:#fff">${svg}</body></html>`);
    const png = join(outDir, `demo-${file.replace(/\.svg$/, '')}.png`);
    const r = spawnSync(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--force-device-scale-factor=1', '--host-resolver-rules=MAP * ~NOTFOUND', `--user-data-dir=${join(profile, 'user')}`, `--window-size=${w},${h}`, `--screenshot=${png}`, pathToFileURL(page).href], { encoding: 'utf8', timeout: 90_000 });
    if (r.status !== 0 || !existsSync(png)) throw new Error(`chromium failed on ${file}: ${r.stderr?.split('\n').slice(-3).join(' ')}`);
    console.log(`screenshots: ${png} (${w}×${h})`);
  }
} finally {
  rmSync(profile, { recursive: true, force: true });
}
