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
  /** Override: stream to write to (tests). */
  stream?: NodeJS.WriteStream;
}

export function createProgress(o: ProgressOptions): Progress {
  const stream = o.stream ?? process.stderr;
  if (o.quiet) return { update() {}, stop() {} };
  const unit = o.unit ?? '';
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${o.label} [{bar}] {value}/{total} ${unit} {status}`, hideCursor: true, stream, clearOnComplete: false },
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
  const line = (done: number, status: string) => {
    stream.write(`${o.label}: ${done}/${o.total} ${unit}${status ? ' ' + status : ''}\n`.replace(/ +\n/, '\n'));
    lastDone = done;
  };
  return {
    update(done, status = '') {
      const now = Date.now();
      if (now - last >= every || (done >= o.total && lastDone !== done)) {
        last = now;
        line(done, status);
      }
    },
    stop() {},
  };
}
