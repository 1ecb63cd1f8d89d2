// What the REST of a shared machine used while a benchmark measured something: the CPU of every other
// process (Linux /proc/stat: busy ticks of all cores, minus this process's own CPU time from
// process.cpuUsage), as an average number of cores over the wall time. A bench records it beside each
// run, so a reader can tell a slow run from a loaded machine (and take medians over the quiet runs).
// USER_HZ is 100 on Linux (the kernel's fixed clock-tick unit for /proc/stat).
import { readFileSync } from 'node:fs';

const USER_HZ = 100;

/** Busy seconds of all cores since boot (user + nice + system + irq + softirq + steal), or null off Linux. */
function machineBusySeconds(): number | null {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = f;
    return (user + nice + system + irq + softirq + (steal ?? 0)) / USER_HZ;
  } catch {
    return null;
  }
}

/** Starts measuring; stop() returns the other processes' average cores busy since start (null off Linux). */
export function foreignLoad(): { stop(): number | null } {
  const busy0 = machineBusySeconds();
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  return {
    stop() {
      const busy1 = machineBusySeconds();
      if (busy0 === null || busy1 === null) return null;
      const own = process.cpuUsage(own0);
      const wall = (performance.now() - t0) / 1000;
      return Math.max(0, (busy1 - busy0 - (own.user + own.system) / 1e6) / wall);
    },
  };
}
