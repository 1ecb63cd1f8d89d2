// Progress for long work (training steps, fabric cycles, sweep runs): a bar on a terminal, plain
// periodic lines when stderr is not a terminal (CI logs), nothing with --quiet. Always on stderr,
// so `--json` output on stdout stays clean.
import cliProgress from 'cli-progress';

export interface Progress {
  /** Sets the amount done (0..total) and an optional short status text. */
  update(done: number, status?: string): void;
  stop(): void;
}

export interface ProgressOptions {
  label: string;
  total: number;
  quiet?: boolean;
  /** Unit shown after the counts, e.g. 'steps'. */
  unit?: string;
  /** Seconds between plain lines when not on a terminal. Default 5. */
  intervalSeconds?: number;
  /**
   * Also show the rate and the time left: on plain lines from the progress since the previous line
   * ("17.2 cycles/s, about 8.9 h left"), on the bar as its ETA. For work whose pace is steady over a line's
   * interval but far too long to wait for blind (a fabric run of hours).
   */
  rate?: boolean;
  /** Override: stream to write to (tests). */
  stream?: NodeJS.WriteStream;
}

export function createProgress(o: ProgressOptions): Progress {
  const stream = o.stream ?? process.stderr;
  if (o.quiet) return { update() {}, stop() {} };
  const unit = o.unit ?? '';
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${o.label} [{bar}] {value}/{total} ${unit}${o.rate ? ' ETA {eta_formatted}' : ''} {status}`, hideCursor: true, stream, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    bar.start(o.total, 0, { status: '' });
    return {
      update: (done, status = '') => bar.update(done, { status }),
      stop: () => bar.stop(),
    };
  }
  const every = (o.intervalSeconds ?? 5) * 1000;
  let last = 0;
  let lastDone = -1;
  const line = (done: number, status: string, now: number) => {
    const pace = o.rate && lastDone >= 0 && now > last ? paceText(done - lastDone, now - last, o.total - done, unit) : '';
    stream.write(`${o.label}: ${done}/${o.total} ${unit}${pace}${status ? ' ' + status : ''}\n`.replace(/ +\n/, '\n'));
    lastDone = done;
  };
  return {
    update(done, status = '') {
      const now = Date.now();
      if (now - last >= every || (done >= o.total && lastDone !== done)) {
        line(done, status, now);
        last = now;
      }
    },
    stop() {},
  };
}

/** ", 17.2 cycles/s, about 8.9 h left": `moved` units in `ms`, `left` units to go (unit's first word). */
export function paceText(moved: number, ms: number, left: number, unit: string): string {
  const perSecond = (1000 * moved) / ms;
  const name = unit.split(' ')[0] || 'units';
  const rate = `, ${perSecond >= 100 ? perSecond.toFixed(0) : perSecond.toPrecision(3)} ${name}/s`;
  if (perSecond <= 0 || left <= 0) return rate;
  return `${rate}, about ${duration(left / perSecond)} left`;
}

/** Seconds as "42 s", "7.5 min" or "8.9 h". */
function duration(s: number): string {
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
