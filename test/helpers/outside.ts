// The one rule for tests that need a tool from outside npm (Debian's /usr/bin/python3 with NumPy, SciPy,
// PyTorch or scikit-learn; Chromium; redis-server): tool present -> the test runs; tool missing -> the
// test is skipped with one loud line saying what to install, and recorded so that the end of `npm test`
// lists every skipped reference check with the one `apt-get install` line (test/helpers/global-setup.ts);
// tool missing under CI (CI set, not "false"/"0") -> it fails, since CI (.ci/run) installs them all.
//
// Paths can be pointed elsewhere (a missing path makes the tool missing): WEIGHTSTREAM_PYTHON
// (default /usr/bin/python3, not the first python3 on PATH), CHROMIUM (/usr/bin/chromium),
// WEIGHTSTREAM_REDIS_SERVER (/usr/bin/redis-server).
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync } from 'node:fs';

export type ToolName = 'numpy' | 'scipy' | 'torch' | 'sklearn' | 'chromium' | 'redis-server';

/** Where the tools are, read from the environment each time (a test may point one elsewhere). */
export const pythonPath = (env: NodeJS.ProcessEnv = process.env) => env.WEIGHTSTREAM_PYTHON ?? '/usr/bin/python3';
export const chromiumPath = (env: NodeJS.ProcessEnv = process.env) => env.CHROMIUM ?? '/usr/bin/chromium';
export const redisServerPath = (env: NodeJS.ProcessEnv = process.env) => env.WEIGHTSTREAM_REDIS_SERVER ?? '/usr/bin/redis-server';

interface ToolSpec {
  /** Debian package that brings it. */
  debian: string;
  /** null when present, else why not (one line). */
  probe: (env: NodeJS.ProcessEnv) => string | null;
}

function pythonImports(module: string) {
  return (env: NodeJS.ProcessEnv): string | null => {
    const py = pythonPath(env);
    if (!existsSync(py)) return `${py} does not exist`;
    const r = spawnSync(py, ['-c', `import ${module}`], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return null;
    return `${py} cannot import ${module}${r.error ? ` (${r.error.message})` : ''}`;
  };
}

function executable(path: (env: NodeJS.ProcessEnv) => string) {
  return (env: NodeJS.ProcessEnv): string | null => (existsSync(path(env)) ? null : `${path(env)} does not exist`);
}

export const TOOLS: Record<ToolName, ToolSpec> = {
  numpy: { debian: 'python3-numpy', probe: pythonImports('numpy') },
  scipy: { debian: 'python3-scipy', probe: pythonImports('scipy.sparse') },
  torch: { debian: 'python3-torch', probe: pythonImports('torch') },
  sklearn: { debian: 'python3-sklearn', probe: pythonImports('sklearn') },
  chromium: { debian: 'chromium', probe: executable(chromiumPath) },
  'redis-server': { debian: 'redis-server', probe: executable(redisServerPath) },
};

/** Every Debian package the reference tests use (what .ci/run installs). */
export const ALL_DEBIAN = Object.values(TOOLS).map((t) => t.debian);

export const isCI = (env: NodeJS.ProcessEnv = process.env) => !!env.CI && env.CI !== 'false' && env.CI !== '0';

/** The file a skipped check is recorded in (set by the global setup), read at the end of the run. */
export const SKIPS_ENV = 'WEIGHTSTREAM_SKIPPED_REFERENCES';

const probed = new Map<string, string | null>();

/**
 * Whether the tests described by `what` can run: true when every tool is present. When one is missing:
 * under CI, throws (the test file fails); otherwise prints one loud line, records the skip and returns false.
 */
export function outside(tools: ToolName[], what: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const absent: ToolName[] = [];
  const whys: string[] = [];
  for (const tool of tools) {
    const key = `${tool}|${pythonPath(env)}|${chromiumPath(env)}|${redisServerPath(env)}`;
    if (!probed.has(key)) probed.set(key, TOOLS[tool].probe(env));
    const why = probed.get(key)!;
    if (why !== null) {
      absent.push(tool);
      if (!whys.includes(why)) whys.push(why);
    }
  }
  return absent.length === 0 || missing(absent, what, whys.join('; '), env);
}

/** Applies the rule to tools found missing (by outside(), or by the caller itself, e.g. a script that reports torch absent). */
export function missing(tools: ToolName | ToolName[], what: string, why: string, env: NodeJS.ProcessEnv = process.env): false {
  const list = Array.isArray(tools) ? tools : [tools];
  const pkgs = list.map((t) => TOOLS[t].debian).join(' ');
  const names = list.join(', ');
  if (isCI(env)) throw new Error(`${what}: needs ${names}, but ${why}: CI must install Debian's ${pkgs} (.ci/run)`);
  console.warn(`\n*** SKIPPED ${what}: needs ${names}, but ${why}; to run it: apt-get install -y ${pkgs} ***\n`);
  const file = env[SKIPS_ENV];
  if (file) appendFileSync(file, JSON.stringify({ what, tools: list, pkgs: list.map((t) => TOOLS[t].debian) }) + '\n');
  return false;
}
