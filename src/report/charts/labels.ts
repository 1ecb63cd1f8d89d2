// Series names for legends: the fields that vary between runs, each value in words (spec files by their
// names, models by name, systems as "16 CS-2"), shortened where long but never to the same text for two
// different values. A legend title lists the varied fields.
import { canonicalJson } from '../../sweep/hash.js';
import type { Config } from '../../sweep/types.js';

/** Longest legend label, in characters (legends get room for it: vega never cuts it). */
export const MAX_LABEL = 56;
/** The order of fields in a label: what was trained, on what hardware, then how (others after, by name). */
const FIELD_ORDER = ['model', 'spec', 'gpu', 'devices', 'systems', 'sparsity'];
const rank = (k: string) => (FIELD_ORDER.includes(k) ? FIELD_ORDER.indexOf(k) : FIELD_ORDER.length);
const inLabelOrder = (keys: string[]) => [...keys].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
/** Shortest a value is cut to (middle ellipsis). */
const MIN_PART = 10;

const stripExt = (s: string) => s.replace(/\.(json|ya?ml)$/i, '');

/** The last `n` components of a path (the whole path when it has fewer). */
function pathTail(p: string, n: number): string {
  const parts = p.split(/[\\/]/).filter(Boolean);
  return parts.slice(Math.max(0, parts.length - n)).join('/');
}

/** How a field is named in a legend title. */
export function fieldWord(k: string): string {
  if (k === 'systems') return 'system count';
  if (k === 'gpu' || k === 'devices') return 'GPUs';
  if (k === 'spec') return 'hardware spec';
  return k;
}

/**
 * One field's value in words, at a level of detail: 0 the shortest (file names without folder or
 * extension), 1 two path components, 2 and up the whole value as JSON.
 */
export function valueText(k: string, v: unknown, c: Config, level: number): string {
  const file = (s: string) => (level === 0 ? stripExt(pathTail(s, 1)) : level === 1 ? pathTail(s, 2) : s);
  if (k === 'systems') return `${v} ${c.system === 'cs3' ? 'CS-3' : 'CS-2'}`;
  if (k === 'gpu') return `${c.devices ?? '?'} × ${String(v).toUpperCase()}`;
  if (k === 'devices') return c.gpu === undefined ? `${v} devices` : '';
  if (k === 'sparsity') return `sparsity ${v}`;
  if (level >= 2) return `${k} ${typeof v === 'string' ? v : canonicalJson(v)}`;
  if (k === 'spec') {
    const list = Array.isArray(v) ? v : [v];
    return `spec ${list.map((s) => (typeof s === 'string' ? file(s) : typeof s === 'object' && s && 'name' in s ? String((s as { name: unknown }).name) : 'inline')).join('+')}`;
  }
  if (k === 'model') {
    if (typeof v === 'string') return /[\\/]|\.json$/i.test(v) ? file(v) : v;
    const name = typeof v === 'object' && v && 'name' in v ? String((v as { name: unknown }).name) : 'custom model';
    return name;
  }
  return `${k} ${typeof v === 'object' ? canonicalJson(v) : String(v)}`;
}

/** Cuts the middle out of a string longer than `n` (keeps both ends: file names differ at the end). */
export function middleCut(s: string, n: number): string {
  if (s.length <= n) return s;
  const head = Math.ceil((n - 1) / 2);
  return s.slice(0, head) + '…' + s.slice(s.length - (n - 1 - head));
}

/** Whether f maps distinct keys to distinct texts. */
function injective(keys: string[], texts: string[]): boolean {
  const seen = new Map<string, string>();
  for (let i = 0; i < keys.length; i++) {
    const prev = seen.get(texts[i]);
    if (prev !== undefined && prev !== keys[i]) return false;
    seen.set(texts[i], keys[i]);
  }
  return true;
}

/**
 * Labels for series given by their configurations and the fields that vary: one text per series,
 * all different (two series never get the same label), each at most about MAX_LABEL characters where
 * that keeps them apart. `fallback(i)` names a series when no field varies.
 */
export function seriesLabels(configs: Config[], keys: string[], fallback: (i: number) => string): string[] {
  if (configs.length === 0) return [];
  const fields = inLabelOrder(keys.filter((k) => configs.some((c) => c[k] !== undefined)));
  // Per field: the shortest level of detail that still tells every distinct value apart.
  const columns = fields.map((k) => {
    const canon = configs.map((c) => canonicalJson(c[k] ?? null));
    for (let level = 0; level <= 2; level++) {
      const texts = configs.map((c) => (c[k] === undefined ? '' : valueText(k, c[k], c, level)));
      if (injective(canon, texts) || level === 2) return { canon, texts };
    }
    throw new Error('unreachable');
  });
  // Too long: cut every part to the same width, the smallest that keeps each field's values apart.
  const join = (cols: string[][]) => configs.map((_, i) => cols.map((t) => t[i]).filter(Boolean).join(', '));
  let texts = columns.map((c) => c.texts);
  const longest = Math.max(...join(texts).map((l) => l.length));
  if (longest > MAX_LABEL && fields.length) {
    const width = Math.max(MIN_PART, Math.floor((MAX_LABEL - 2 * (fields.length - 1)) / fields.length));
    texts = columns.map((c) => {
      for (let w = width; w <= Math.max(...c.texts.map((t) => t.length)); w++) {
        const cut = c.texts.map((t) => middleCut(t, w));
        if (injective(c.canon, cut)) return cut;
      }
      return c.texts;
    });
  }
  const labels = join(texts).map((l, i) => l || fallback(i));
  // Series equal in every varied field (they differ elsewhere, or the fallback repeats): number them.
  const count = new Map<string, number>();
  for (const l of labels) count.set(l, (count.get(l) ?? 0) + 1);
  const nth = new Map<string, number>();
  return labels.map((l) => {
    if (count.get(l)! === 1) return l;
    const k = (nth.get(l) ?? 0) + 1;
    nth.set(l, k);
    return `${l} (#${k})`;
  });
}

/** The legend title: the varied fields, in words. */
export function legendTitle(keys: string[], fallback: string): string {
  const words = [...new Set(inLabelOrder(keys).map(fieldWord))];
  return words.length ? `varied: ${words.join(', ')}` : fallback;
}
