// The layering of src/, as rules over the import statements (a plain regex over `from '...'`,
// `import '...'` and `import('...')`; type-only imports count too):
//   - functional code never imports the time model (src/perf) nor the simulated timeline (src/timeline);
//     the one exception is the training engine (src/cluster), which turns what it measured into simulated
//     durations with perf/rates.ts and perf/specs.ts, and schedules them with src/timeline;
//   - the CS-2 worker reaches neither perf, the timeline nor the coordinator (src/cluster), even indirectly;
//   - no import cycles between top-level folders.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rootPath } from '../src/paths.js';

const SRC = rootPath('src');

function walk(d: string): string[] {
  return readdirSync(d).flatMap((n) => {
    const p = join(d, n);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

/** Every src file (relative, e.g. 'cluster/run.ts') → the src files it imports. */
const graph = new Map<string, string[]>();
for (const f of walk(SRC)) {
  const text = readFileSync(f, 'utf8');
  const deps = new Set<string>();
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)'(\.{1,2}\/[^']+)'/g)) {
    deps.add(relative(SRC, resolve(dirname(f), m[1])).replace(/\.js$/, '.ts'));
  }
  graph.set(relative(SRC, f), [...deps]);
}

/** Top-level folder of a src file ('cluster/run.ts' → 'cluster'; 'errors.ts' → 'errors.ts'). */
const top = (f: string) => f.split('/')[0];

/** The files `f` imports, directly or not. */
function closure(f: string): Set<string> {
  const seen = new Set<string>();
  const stack = [f];
  while (stack.length) for (const d of graph.get(stack.pop()!) ?? []) if (!seen.has(d)) stack.push(d), seen.add(d);
  return seen;
}

/** Imports from files in `from` folders into `to` folders, as 'a.ts -> b.ts'. */
function edges(from: readonly string[], to: readonly string[]): string[] {
  const out: string[] = [];
  for (const [f, deps] of graph) if (from.includes(top(f))) for (const d of deps) if (to.includes(top(d)) && top(d) !== top(f)) out.push(`${f} -> ${d}`);
  return out.sort();
}

const TIME_MODEL = ['perf', 'timeline'];
const FUNCTIONAL = ['cs2', 'memoryx', 'swarmx', 'nn', 'model', 'train', 'data', 'protocol', 'wasm', 'kernels', 'sparse', 'ref', 'io', 'fabric'];

describe('layering of src/', () => {
  it('parses the imports (the graph is not empty and resolves to real files)', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get('cs2/worker.ts')).toContain('protocol/cs2.ts');
    for (const deps of graph.values()) for (const d of deps) expect(graph.has(d), d).toBe(true);
  });

  it('functional code never imports the time model (perf) or the timeline', () => {
    expect(edges(FUNCTIONAL, TIME_MODEL)).toEqual([]);
  });

  it('the training engine takes from perf only the rates and the specs of its simulated durations', () => {
    const perf = edges(['cluster'], ['perf']).map((e) => e.split(' -> ')[1]);
    expect([...new Set(perf)].sort()).toEqual(['perf/rates.ts', 'perf/specs.ts']);
  });

  it('the CS-2 worker reaches neither perf, the timeline nor the coordinator, even indirectly', () => {
    const reached = [...closure('cs2/worker.ts')].filter((f) => ['perf', 'timeline', 'cluster', 'cli', 'sweep', 'report'].includes(top(f)));
    expect(reached).toEqual([]);
  });

  it('no import cycles between top-level folders', () => {
    const folders = new Map<string, Set<string>>();
    for (const [f, deps] of graph) {
      const s = folders.get(top(f)) ?? new Set<string>();
      for (const d of deps) if (top(d) !== top(f)) s.add(top(d));
      folders.set(top(f), s);
    }
    // a cycle exists iff some folder reaches itself
    const cycles: string[] = [];
    for (const start of folders.keys()) {
      const seen = new Set<string>();
      const stack = [...(folders.get(start) ?? [])];
      while (stack.length) {
        const x = stack.pop()!;
        if (x === start) {
          cycles.push(start);
          break;
        }
        if (!seen.has(x)) seen.add(x), stack.push(...(folders.get(x) ?? []));
      }
    }
    expect(cycles).toEqual([]);
  });
});
