// Are this machine's CPUs alike? On a shared VM they need not be: on the project's 2-core AMD EPYC VM
// (2026-12-07 04:3x UTC) vCPU 1 ran a memory-bound, branchy loop 1.45x slower than vCPU 0 while an ALU loop
// ran at the same speed on both (another tenant on vCPU 1's physical core, our reading: the VM has no cache
// counters); ten minutes later the spread was 1.12-1.19x, once the other way round. Then a one-thread rate
// depends on where the thread ran, and two threads split evenly run at the slower one's pace. Each bench that
// reports per-thread rates or thread speed-ups records this probe: two short loops pinned to each CPU in turn
// (`taskset`, Linux), one after another so they do not meet, in two rounds (each CPU's faster round counts: a
// probe is short, and other tenants come and go).
//
// Legend: chase = a dependent walk over a 512 KB table with a data-dependent branch (caches, branch
// predictor); alu = a multiply-add chain in registers. ms of wall time each, lower is faster.
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

export interface CpuProbe {
  cpu: number;
  chaseMs: number;
  aluMs: number;
}

export interface CpuProbeSummary {
  cpus: CpuProbe[];
  /** Slowest CPU's chase over the fastest's (1 = alike). */
  chaseSpread: number;
  /** The same for the ALU loop. */
  aluSpread: number;
}

/** The probe, run by a pinned `node -e`: prints "chaseMs aluMs". */
const PROBE = `
const n = 1 << 17, a = new Uint32Array(n);
for (let i = 0; i < n; i++) a[i] = ((i * 2654435761) >>> 15) & (n - 1);
const chase = (m) => { let p = 0, s = 0; for (let i = 0; i < m; i++) { p = a[p ^ (i & 7)]; if (p & 1) s++; else s += 3; } return s; };
const alu = (m) => { let x = 0; for (let i = 0; i < m; i++) x = (x * 1664525 + 1013904223) >>> 0; return x; };
chase(1e6); alu(1e6);
let t = performance.now(); const s = chase(5e7); const c = performance.now() - t;
t = performance.now(); const x = alu(5e7); const u = performance.now() - t;
console.log(c.toFixed(1), u.toFixed(1), (s + x) & 0);
`;

/** Each CPU's probe (at most `maxCpus`), or null where `taskset` cannot pin a process (not Linux, not installed). */
export function probeCpus(maxCpus = 16): CpuProbeSummary | null {
  const n = Math.min(maxCpus, availableParallelism());
  const cpus: CpuProbe[] = Array.from({ length: n }, (_, cpu) => ({ cpu, chaseMs: Infinity, aluMs: Infinity }));
  for (let round = 0; round < 2; round++) {
    for (const c of cpus) {
      const r = spawnSync('taskset', ['-c', String(c.cpu), process.execPath, '-e', PROBE], { encoding: 'utf8', timeout: 30_000 });
      if (r.error || r.status !== 0) return null;
      const [chaseMs, aluMs] = r.stdout.trim().split(/\s+/).map(Number);
      [c.chaseMs, c.aluMs] = [Math.min(c.chaseMs, chaseMs), Math.min(c.aluMs, aluMs)];
    }
  }
  const spread = (f: (p: CpuProbe) => number) => Math.max(...cpus.map(f)) / Math.min(...cpus.map(f));
  return { cpus, chaseSpread: spread((p) => p.chaseMs), aluSpread: spread((p) => p.aluMs) };
}

/** One line for a bench's output: each CPU's chase ms and the spreads. */
export function cpuProbeLine(p: CpuProbeSummary | null): string {
  if (!p) return 'CPUs: not probed (taskset cannot pin a process here)';
  const each = p.cpus.map((c) => `cpu${c.cpu} ${c.chaseMs.toFixed(0)} ms`).join(', ');
  return `CPUs (a 512 KB pointer chase pinned to each): ${each}; slowest/fastest ${p.chaseSpread.toFixed(2)}x (an ALU loop: ${p.aluSpread.toFixed(2)}x)`;
}

/** The probe, printed as one line first: what a bench records beside its rates. */
export function reportCpus(): CpuProbeSummary | null {
  const p = probeCpus();
  console.log(cpuProbeLine(p));
  return p;
}
