// Every relative link of the README and docs/*.md leads somewhere: the file exists and, for a link into a
// Markdown file with a #fragment, a heading of that file has that anchor (GitHub's slug: lower case,
// punctuation dropped, spaces to hyphens; code blocks ignored). Moving a section to another file breaks
// links silently otherwise.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rootPath } from '../../src/paths.js';

/** GitHub's anchor of a heading's text. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}_\- ]/gu, '').replace(/ /g, '-');
}

/** The anchors of a Markdown text's headings (outside fenced code). */
function anchors(md: string): Set<string> {
  const text = md.replace(/```[\s\S]*?```/g, '');
  return new Set(text.split('\n').flatMap((l) => {
    const m = /^#{1,6} (.*)$/.exec(l);
    return m ? [slug(m[1])] : [];
  }));
}

/** The broken relative links of Markdown file `file` (a path relative to the repository root), read or given. */
function brokenLinks(file: string, text = readFileSync(rootPath(file), 'utf8')): string[] {
  const md = text.replace(/```[\s\S]*?```/g, '');
  const out: string[] = [];
  for (const m of md.matchAll(/\]\(([^)\s]+)\)/g)) {
    const url = m[1];
    if (/^[a-z]+:/i.test(url)) continue; // http:, https:, mailto:
    const [path, frag] = url.split('#', 2);
    if (!path) {
      if (!anchors(text).has(frag)) out.push(`${file}: ${url} (no heading with that anchor)`);
      continue;
    }
    const target = normalize(join(dirname(file), path));
    if (!existsSync(rootPath(target))) out.push(`${file}: ${url} (no such file)`);
    else if (frag && target.endsWith('.md') && !anchors(readFileSync(rootPath(target), 'utf8')).has(frag)) {
      out.push(`${file}: ${url} (no heading with that anchor)`);
    }
  }
  return out;
}

const files = ['README.md', ...readdirSync(rootPath('docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

describe('links in the README and docs', () => {
  it('slugs as GitHub makes them', () => {
    expect(slug("This VM's two CPUs are not alike (2026-12-07)")).toBe('this-vms-two-cpus-are-not-alike-2026-12-07');
    expect(slug("Blocks of cycles on threads (2026-12-07, stop 23; `skew: { split: 'blocks' }`, `--skew blocks`)"))
      .toBe('blocks-of-cycles-on-threads-2026-12-07-stop-23-skew--split-blocks----skew-blocks');
  });

  it('finds a broken link (the check can fail)', () => {
    expect([...anchors('# Só um título\n\n```\n# not a heading\n```\n')]).toEqual(['só-um-título']);
    const md = '[a](fabric.md#using-it) [b](fabric.md#no-such-heading) [c](no-such.md) [d](https://x.org/y#z) [e](#here) [f](#not-here)\n\n## Here\n';
    expect(brokenLinks('docs/example.md', md)).toEqual([
      'docs/example.md: fabric.md#no-such-heading (no heading with that anchor)',
      'docs/example.md: no-such.md (no such file)',
      'docs/example.md: #not-here (no heading with that anchor)',
    ]);
  });

  it.each(files)('%s: every relative link and anchor resolves', (file) => {
    expect(brokenLinks(file)).toEqual([]);
  });
});

describe('npm scripts named in the README and docs', () => {
  const scripts = (JSON.parse(readFileSync(rootPath('package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

  it.each(files)('%s: every bench:NAME is a script of package.json', (file) => {
    const named = [...readFileSync(rootPath(file), 'utf8').matchAll(/\bbench:([a-z0-9-]+)/g)].map((m) => `bench:${m[1]}`);
    expect(named.filter((n) => !(n in scripts))).toEqual([]);
  });

  it('every bench:NAME script runs the compiled bench/NAME.ts', () => {
    for (const [name, command] of Object.entries(scripts).filter(([n]) => n.startsWith('bench:'))) {
      const bench = name.slice('bench:'.length);
      expect(command, name).toBe(`node dist/bench/${bench}.js`);
      expect(existsSync(rootPath('bench', `${bench}.ts`)), name).toBe(true);
    }
  });
});
