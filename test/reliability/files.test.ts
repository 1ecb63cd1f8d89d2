// Issue 17, items 1, 3, 5, 10, 12: outputs never land on inputs, inputs are regular files of a bounded
// size (a FIFO or /dev/zero is refused unread), output locations are checked before work, no temporary
// file is left behind, and a parse error never echoes the file's bytes.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkInputFile, checkOutputs, parseJsonText, readInputFile } from '../../src/io/files.js';
import { writeFileAtomic } from '../../src/io/atomic.js';
import { removeStaleTemps, trackedTemps } from '../../src/io/cleanup.js';
import { loadModelFile } from '../../src/model/load.js';

const dir = () => mkdtempSync(join(tmpdir(), 'ws-rel-'));
const err = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
};

describe('checkOutputs (item 1: outputs never eat inputs)', () => {
  it('refuses an output equal to an input, through a symlink too, and two equal outputs', () => {
    const d = dir();
    const input = join(d, 's.yaml');
    writeFileSync(input, 'kind: estimate\n');
    symlinkSync(input, join(d, 'link.csv'));
    expect(err(() => checkOutputs({ inputs: [{ label: 'sweep file', path: input }], outputs: [{ label: '--csv', path: input }] })).message).toMatch(/^--csv: expected a path that is not an input of this run \(it is sweep file/);
    expect(err(() => checkOutputs({ inputs: [{ label: 'sweep file', path: input }], outputs: [{ label: '--csv', path: join(d, 'link.csv') }] })).message).toMatch(/--csv: .*not an input/);
    expect(err(() => checkOutputs({ inputs: [], outputs: [{ label: '--out', path: join(d, 'r.jsonl') }, { label: '--csv', path: join(d, '.', 'r.jsonl') }] })).message).toMatch(/^--csv: expected a path distinct from --out/);
    expect(() => checkOutputs({ inputs: [{ label: 'sweep file', path: input }], outputs: [{ label: '--out', path: join(d, 'r.jsonl') }, { label: '--csv', path: join(d, 'r.csv') }] })).not.toThrow();
  });

  it('a report directory clashes with an input it would overwrite (report.html, *.svg), not with others', () => {
    const d = dir();
    writeFileSync(join(d, 'report.html'), 'x');
    writeFileSync(join(d, 'trace.json'), '{}');
    const writes = (n: string) => n === 'report.html' || n.endsWith('.svg');
    expect(() => checkOutputs({ inputs: [{ label: 'input', path: join(d, 'report.html') }], outputs: [{ label: '--out', path: d, dir: true }], writes })).toThrow(/--out: .*not an input/);
    expect(() => checkOutputs({ inputs: [{ label: 'input', path: join(d, 'trace.json') }], outputs: [{ label: '--out', path: d, dir: true }], writes })).not.toThrow();
  });
});

describe('output locations before work (item 5)', () => {
  it('refuses a directory as a file output, a path under a file, a FIFO, and (not as root) a read-only directory', () => {
    const d = dir();
    writeFileSync(join(d, 'f'), 'x');
    expect(err(() => checkOutputs({ inputs: [], outputs: [{ label: '--save', path: d }] })).message).toMatch(/^--save: expected a file to write, not a directory/);
    expect(err(() => checkOutputs({ inputs: [], outputs: [{ label: '--save', path: join(d, 'f', 'w.safetensors') }] })).message).toMatch(/^--save: expected a location inside a directory/);
    execFileSync('mkfifo', [join(d, 'fifo')]);
    expect(err(() => checkOutputs({ inputs: [], outputs: [{ label: '--trace', path: join(d, 'fifo') }] })).message).toMatch(/^--trace: expected a regular file to write/);
    expect(() => checkOutputs({ inputs: [], outputs: [{ label: '--save', path: join(d, 'new', 'deeper', 'w.safetensors') }] })).not.toThrow();
    // a file path ending in "/" that names nothing yet passed, and the write failed after the whole run (ENOTDIR);
    // one that names an existing file ("f/") was written to f
    for (const p of [join(d, 'nosuchdir') + '/', join(d, 'f') + '/']) {
      expect(err(() => checkOutputs({ inputs: [], outputs: [{ label: '--heatmap', path: p }] })).message).toBe(`--heatmap: expected a file path (this one ends in "/", as a directory's does), got ${JSON.stringify(p)}`);
    }
    // nor "." or "..": the run went on and the write failed with EBUSY, a directory made
    for (const p of [join(d, 'hm2') + '/.', join(d, 'o3', 'sub') + '/..']) {
      expect(err(() => checkOutputs({ inputs: [], outputs: [{ label: '--csv', path: p }] })).message).toMatch(/^--csv: expected a file path \(this one ends in "\.\.?", a directory\), got /);
    }
    expect(() => checkOutputs({ inputs: [], outputs: [{ label: '--out', path: join(d, 'reports') + '/', dir: true }] })).not.toThrow(); // a directory output may
    if (process.getuid?.() !== 0) {
      const ro = join(d, 'ro');
      mkdirSync(ro);
      chmodSync(ro, 0o555);
      expect(() => checkOutputs({ inputs: [], outputs: [{ label: '--save', path: join(ro, 'w.safetensors') }] })).toThrow(/--save: expected a writable directory/);
    }
  });

  it('an atomic write onto a directory fails naming the path and leaves no temporary file', () => {
    const d = dir();
    mkdirSync(join(d, 'out.json'));
    expect(err(() => writeFileAtomic(join(d, 'out.json'), 'x'.repeat(1 << 20))).message).toMatch(/cannot write .*out\.json \(EISDIR\)/);
    expect(readdirSync(d)).toEqual(['out.json']);
    expect(trackedTemps()).toEqual([]);
  });

  it('an atomic write through a symlink replaces the target file, and the link stays a link', () => {
    const d = dir();
    writeFileSync(join(d, 'target.json'), 'old');
    symlinkSync(join(d, 'target.json'), join(d, 'link.json'));
    writeFileAtomic(join(d, 'link.json'), 'new');
    expect(readFileSync(join(d, 'target.json'), 'utf8')).toBe('new');
    expect(readdirSync(d).sort()).toEqual(['link.json', 'target.json']);
  });
});

describe('inputs are regular files of a bounded size (item 3)', () => {
  it('refuses a FIFO, /dev/zero and a directory without reading them', () => {
    const d = dir();
    execFileSync('mkfifo', [join(d, 'fifo')]);
    // Reading the FIFO would block this test forever: the check refuses it from its stat alone.
    expect(err(() => readInputFile(join(d, 'fifo'), 'sweep', 'sweep file')).message).toMatch(/^sweep file: expected a regular file \(not a FIFO/);
    expect(err(() => readInputFile('/dev/zero', 'safetensors', '--init')).message).toMatch(/^--init: expected a regular file/);
    expect(err(() => checkInputFile(d, 'model', '--model')).message).toMatch(/^--model: expected a file, not a directory/);
  });

  it('refuses a file past its kind\'s limit', () => {
    const d = dir();
    writeFileSync(join(d, 'big.json'), Buffer.alloc((16 << 20) + 1, 0x20));
    expect(err(() => checkInputFile(join(d, 'big.json'), 'model', '--model')).message).toMatch(/expected a JSON file of at most 16 MiB/);
  });
});

describe('no file contents in errors (item 12)', () => {
  it('a parse error says where, not what', () => {
    const d = dir();
    writeFileSync(join(d, 'passwd.json'), 'root:x:0:0:root:/root:/bin/bash\n');
    const m = err(() => loadModelFile(join(d, 'passwd.json'))).message;
    expect(m).toMatch(/--model: expected valid JSON \(a syntax error/);
    expect(m).not.toMatch(/root:x/);
    expect(err(() => parseJsonText('{"a": 1,\n  "b": secret}', 'f', 'x.json')).message).not.toMatch(/secret/);
  });

  it('reads JSON that starts with a byte-order mark (some editors write one); a mark anywhere else is an error', () => {
    expect(parseJsonText('\ufeff{"a": 1}', 'f', 'x.json')).toEqual({ a: 1 });
    expect(() => parseJsonText('{"a": \ufeff1}', 'f', 'x.json')).toThrow(/^f: expected valid JSON \(a syntax error/);
  });
});

describe('stale temporaries (item 10)', () => {
  it('removes our atomic-write and flash temps of dead processes, keeps live ones and others', () => {
    const d = dir();
    const dead = 2 ** 22 + 12345; // above pid_max on Linux by default: never a live process
    writeFileSync(join(d, `.run.ckpt.${dead}.1700000000000.tmp`), 'x');
    writeFileSync(join(d, `.run.ckpt.${process.pid}.1700000000000.tmp`), 'x');
    writeFileSync(join(d, `weightstream-memoryx-${dead}-1-2.flash`), 'x');
    writeFileSync(join(d, 'other.tmp'), 'x');
    expect(removeStaleTemps(d, 'run.ckpt')).toEqual([join(d, `.run.ckpt.${dead}.1700000000000.tmp`)]);
    expect(removeStaleTemps(d)).toEqual([join(d, `weightstream-memoryx-${dead}-1-2.flash`)]);
    expect(existsSync(join(d, `.run.ckpt.${process.pid}.1700000000000.tmp`))).toBe(true);
    expect(existsSync(join(d, 'other.tmp'))).toBe(true);
  });
});

describe('errno errors name the path (item 12)', () => {
  it('a results append onto a full device says which file and that a rerun resumes', async () => {
    const { ResultsAppender } = await import('../../src/sweep/results.js');
    const a = new ResultsAppender('/dev/full');
    expect(err(() => a.appendText('{"x":1}')).message).toMatch(/^\/dev\/full: cannot append a result \(ENOSPC\)/);
  });
  it('an atomic write into a full device names the path', () => {
    // /dev is not writable as a place for temp files for non-root; as root, the rename over a device fails.
    expect(err(() => writeFileAtomic('/proc/version', 'x')).message).toMatch(/^cannot write \/proc\/version \(E[A-Z]+\)/);
  });
});
