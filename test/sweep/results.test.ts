// The results file: complete lines only; a torn last line is cut before a resume appends; a corrupt
// line in the middle is refused naming its line; CSV flattening keeps the latest line of each hash.
import { appendFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resultsToCsv } from '../../src/sweep/csv.js';
import { ResultsAppender, ResultsFileError, parseResults, readResultsForResume } from '../../src/sweep/results.js';
import type { ResultLine } from '../../src/sweep/types.js';

const dir = mkdtempSync(join(tmpdir(), 'ws-results-'));
const timings = { startedAt: '2026-01-01T00:00:00.000Z', wallSeconds: 0.5 };
const line = (hash: string, extra: Partial<ResultLine> = { result: { t: 1 } }): ResultLine => ({ hash, kind: 'estimate', config: { systems: 1 }, ...extra, timings });

describe('results file', () => {
  it('appends one complete line per run and reads them back', () => {
    const f = join(dir, 'a.jsonl');
    const a = new ResultsAppender(f);
    a.append(line('h1'));
    a.append(line('h2', { error: { name: 'RangeError', message: 'no' } }));
    a.close();
    const text = readFileSync(f, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n').length).toBe(3);
    const r = readResultsForResume(f);
    expect(r.truncatedBytes).toBe(0);
    expect(r.lines.map((l) => l.hash)).toEqual(['h1', 'h2']);
    expect(r.lines[1].error).toEqual({ name: 'RangeError', message: 'no' });
  });

  it('cuts a torn last line off the file before a resume appends', () => {
    const f = join(dir, 'torn.jsonl');
    const good = JSON.stringify(line('h1')) + '\n' + JSON.stringify(line('h2')) + '\n';
    const torn = JSON.stringify(line('h3')).slice(0, 40);
    writeFileSync(f, good + torn);
    const r = readResultsForResume(f);
    expect(r.lines.map((l) => l.hash)).toEqual(['h1', 'h2']);
    expect(r.truncatedBytes).toBe(Buffer.byteLength(torn));
    expect(statSync(f).size).toBe(Buffer.byteLength(good));
    const a = new ResultsAppender(f);
    a.append(line('h3'));
    a.close();
    expect(readResultsForResume(f).lines.map((l) => l.hash)).toEqual(['h1', 'h2', 'h3']);
  });

  it('cuts a torn line even when the cut falls inside a multi-byte character', () => {
    const f = join(dir, 'utf8.jsonl');
    const good = JSON.stringify(line('h1', { result: { name: 'café ☕' } })) + '\n';
    const full = Buffer.from(JSON.stringify(line('h2', { result: { name: '☕☕☕' } })));
    writeFileSync(f, Buffer.concat([Buffer.from(good), full.subarray(0, full.indexOf(Buffer.from('☕')) + 1)]));
    const r = readResultsForResume(f);
    expect(r.lines.length).toBe(1);
    expect(readFileSync(f, 'utf8')).toBe(good);
  });

  it('refuses a file with a bad line in the middle, naming the line', () => {
    const text = JSON.stringify(line('h1')) + '\n{oops\n' + JSON.stringify(line('h2')) + '\n';
    expect(() => parseResults(text, 'x.jsonl')).toThrow(ResultsFileError);
    expect(() => parseResults(text, 'x.jsonl')).toThrow('x.jsonl:2: not a JSON line');
    expect(() => parseResults('{"a":1}\n', 'y.jsonl')).toThrow('y.jsonl:1: not a sweep result');
  });

  it('refuses, and leaves as it was, a file whose last line has no newline and is not the start of a results line', () => {
    const cases = [
      ['notes.txt', 'important data without newline'],
      ['model.json', '{"kind":"mlp","layers":[{"in":64,"out":10}]}'],
      ['after-results.jsonl', JSON.stringify(line('h1')) + '\n' + 'a note added by hand'],
    ];
    for (const [name, text] of cases) {
      const f = join(dir, name);
      writeFileSync(f, text);
      expect(() => readResultsForResume(f), name).toThrow(ResultsFileError);
      expect(() => readResultsForResume(f), name).toThrow(/not a sweep results line, and no newline ends it/);
      expect(readFileSync(f, 'utf8'), name).toBe(text);
    }
    expect(() => parseResults(cases[2][1], 'r.jsonl')).toThrow('r.jsonl:2: ');
    // a line cut inside its first bytes is still torn: our lines all start '{"hash":"'
    for (const torn of ['{', '{"ha', '{"hash":"', '{"hash":"abc']) {
      expect(parseResults(JSON.stringify(line('h1')) + '\n' + torn).tornBytes, torn).toBe(torn.length);
    }
  });

  it('a missing file is an empty one', () => {
    expect(readResultsForResume(join(dir, 'none.jsonl'))).toEqual({ lines: [], truncatedBytes: 0 });
  });

  it('appends to what is there (O_APPEND), never overwrites', () => {
    const f = join(dir, 'b.jsonl');
    appendFileSync(f, JSON.stringify(line('h0')) + '\n');
    const a = new ResultsAppender(f);
    a.append(line('h1'));
    a.close();
    expect(readResultsForResume(f).lines.map((l) => l.hash)).toEqual(['h0', 'h1']);
  });
});

describe('CSV', () => {
  it('flattens config and result to dotted columns, quotes per RFC 4180, keeps the latest line per hash', () => {
    const lines: ResultLine[] = [
      line('h1', { error: { name: 'RangeError', message: 'bad, "very"' } }),
      { hash: 'h2', kind: 'fabric', config: { sparsity: 0.5, layer: { k: 4, n: 8 } }, result: { cycles: 100, util: [0.5, 0.25], big: Array(20).fill(1) }, timings },
      line('h1', { result: { t: 2 } }),
    ];
    const csv = resultsToCsv(lines).split('\r\n');
    expect(csv[0]).toBe('hash,kind,config.sparsity,config.layer.k,config.layer.n,result.cycles,result.util.0,result.util.1,result.big,config.systems,result.t,error,timings.startedAt,timings.wallSeconds');
    expect(csv[1]).toBe(`h2,fabric,0.5,4,8,100,0.5,0.25,"[${Array(20).fill(1).join(',')}]",,,,2026-01-01T00:00:00.000Z,0.5`);
    expect(csv[2]).toBe('h1,estimate,,,,,,,,1,2,,2026-01-01T00:00:00.000Z,0.5');
    expect(csv.length).toBe(4); // header, 2 rows, final empty after the last CRLF
    const withError = resultsToCsv([lines[0]]).split('\r\n');
    expect(withError[1]).toBe('h1,estimate,1,"RangeError: bad, ""very""",2026-01-01T00:00:00.000Z,0.5');
  });

  it('an empty list is a cell (it had none, like a missing field), and an object with a dotted key one JSON cell (its column was shared with a nested field)', () => {
    const csv = resultsToCsv([{ hash: 'h', kind: 'module', config: { x: 1 }, result: { empty: [], dotted: { 'a.b': 1 }, dot: { a: { b: 2 } } }, timings }]).split('\r\n');
    expect(csv[0]).toBe('hash,kind,config.x,result.empty,result.dotted,result.dot.a.b,error,timings.startedAt,timings.wallSeconds');
    expect(csv[1]).toBe('h,module,1,[],"{""a.b"":1}",2,,2026-01-01T00:00:00.000Z,0.5');
  });
});
