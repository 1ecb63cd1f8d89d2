// The ONE description of the fabric simulator's ABI (the tables shared by the WASM mesh in assembly/fabric
// and its TypeScript host in src/fabric), and the generator that writes both sides from it:
//   assembly/fabric/abi.ts   (AssemblyScript constants)       src/fabric/abi.ts   (TypeScript tables)
// Both outputs are committed (so `tsc` alone builds, and an ABI change shows in review); `npm run
// build:wasm` regenerates them first, and test/fabric/abi.test.ts fails when either is stale. The WASM
// exports the table's hash (fabricAbiHash) and the host refuses a module whose hash differs.
//
// Usage: node scripts/fabric-abi.mjs           (write both files)
//        node scripts/fabric-abi.mjs --check   (exit 1 if either file differs from what it would write)
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/** Each entry: [name, value, meaning]. Values are u32 word indices unless said otherwise. */
export const ABI = {
  /** "FAB3": the first word of the config block. */
  magic: 0x46414233,
  /** Router directions: 0..3 the mesh links, RAMP = router <-> its own core, EDGE = off the mesh (south). */
  dir: [
    ['N', 0, 'north link'], ['E', 1, 'east link'], ['S', 2, 'south link'], ['W', 3, 'west link'],
    ['RAMP', 4, 'router <-> its own core'], ['EDGE', 5, 'off the mesh through the south edge into the column sink'],
  ],
  /** Core input channels (queues) per core. */
  channels: 3,
  /** Byte offsets inside a node record (after the 14 core fields at 0). A core step reads line 0 (fields, queue
   *  heads), a router step line 1 (queue heads and counts, OUTS, what arrived this cycle) and its queue's entry; the
   *  stream's color 0 has its entries on line 1 too (RQ), so a stream wavelet's hop, delivery and AXPY touch lines 0
   *  and 1 and the core queues' line (nodeLayout): three lines a node, where a mesh larger than the caches pays for
   *  each. A queue entry is its u32 wavelet only: which entries arrived this cycle is one stamp and a count a color
   *  (FRESHAT, FRESHN), the input direction is kept only where a color has routes from several (nodeLayout's dirs),
   *  and the routes are a shared table of route classes (RCLASS): 256 bytes a node at the default depths. */
  header: [
    ['CQHEAD', 56, 'u8[3]: core queue heads per channel'],
    ['CQCOUNT', 59, 'u8[3]: core queue counts per channel'],
    ['RMASK', 64, 'u8: colors with a non-empty router queue'],
    ['RQHEAD', 65, 'u8[8]: router queue heads per color'],
    ['RQCOUNT', 73, 'u8[8]: router queue counts per color'],
    // read with the queue heads, not after the head's input direction: a router step's longest load chain is one shorter
    ['OUTS', 81, 'u8[8]: out-mask per color where its route has one input direction (any head takes it), else 0 (the route class\'s table by the head\'s input)'],
    ['FRESHN', 89, 'u8[8]: wavelets pushed per color in the cycle FRESHAT was stamped (a head is this cycle\'s arrival when its queue holds no older one)'],
    ['RCLASS', 97, 'u8: this router\'s route class (the ROUTES table\'s row)'],
    ['FRESHAT', 100, 'u32: the stamp (cycle + 1) of the last push into any of this router\'s queues'],
    ['WNEXT', 104, 'u32: next core on the same timing-wheel slot (+1; 0 ends)'],
    ['RQ', 108, 'router queues u32[colors][Q]: color 0 (the stream) on line 1 with its heads at the default Q = 4'],
  ],
  /** Route classes: every router's routes are one row of a shared table (the routes of a mesh take a few dozen). */
  routeClasses: [
    ['CLASSES', 256, 'rows of the route table (RCLASS is a u8)'],
    ['CLASS_BYTES', 48, 'bytes a row: out-mask u8[8 colors][5 input directions], then padding (a color\'s 5 bytes are read as one u64)'],
  ],
  /** Core fields (u32 index in a node record), one name per meaning; each program uses its own. */
  coreFields: {
    common: [
      ['BUSY', 0, 'busy until this cycle (exclusive)'],
      ['ROW', 1, 'mesh row'], ['COL', 2, 'mesh column'],
      ['DATA', 3, 'byte pointer of this core\'s data block'],
      ['PHASE', 4, 'where the stream program is: axpy 0 count, 1 delta, 2 value; grad 0 count, 1 broadcast, 2 positions'],
      ['SEQ', 5, 'output (axpy) or input row k (grad) the stream is at'],
      ['REM', 6, 'non-zeros left in the current stream row'],
      ['IDX', 7, 'local index built from the deltas'],
    ],
    axpy: [
      ['AX_DONE', 8, 'outputs whose accumulation is done'],
      ['AX_FREED', 9, 'outputs fully reduced (their buffers free)'],
      ['AX_EAST_OUT', 10, 'output the east-bound reduction flow is at'],
      ['AX_EAST_EL', 11, 'element of that output the east flow is at'],
      ['AX_WEST_OUT', 12, 'output the west-bound reduction flow is at'],
      ['AX_WEST_EL', 13, 'element of that output the west flow is at'],
    ],
    grad: [
      ['GR_BCAST_EL', 8, 'element of X[k] the row broadcast is at'],
      ['GR_FIFO_HEAD', 9, 'head slot of the partial FIFO'],
      ['GR_FIFO_COUNT', 10, 'partials waiting in the FIFO'],
      ['GR_REDUCED', 12, 'partials sent down the column so far'],
    ],
  },
  /** Per-core cycle counters (u32 index from the record's O_CSTATS); also the kind of a task. */
  cstat: [['STREAM', 0, 'streaming'], ['COMPUTE', 1, 'computing'], ['REDUCE', 2, 'reducing']],
  /** Config block slots (u32), in order: the slot is the index. */
  cfg: [
    ['MAGIC', 'the magic number'], ['ROWS', 'used rows Ru'], ['COLS', 'used columns Cu'], ['COLORS', 'colors of the pass'],
    ['RQ_LOG', 'log2 router queue depth'], ['CQ_LOG', 'log2 core queue depth'], ['PASS', '0 axpy (forward, delta), 1 gradient'],
    ['FMACS', 'FMAC per cycle'], ['BUFFERS', 'accumulators (axpy) or partial FIFO depth (grad)'], ['NSEQ', 'outputs (axpy) or rows K (grad)'],
    ['WHEEL_LOG', 'log2 timing wheel slots'], ['EDGE_CAP', 'edge wavelets per cycle (0 = no cap)'],
    ['NODES', 'pointer: node records'], ['NODE_BYTES', 'bytes per node record'], ['O_CQ', 'offset of core queues in a record'],
    ['O_RQ', 'offset of router queues in a record'], ['O_CSTATS', 'offset of the core cycle counters in a record'],
    ['O_DIR', 'offset of the queue entries\' input directions u8[colors][Q] in a record (0: no color has routes from several inputs)'], ['ROUTES', 'pointer: the route table, ROUTE_CLASSES rows of ROUTE_CLASS_BYTES (out-mask per color and input direction)'], ['WHEEL', 'pointer: timing wheel'],
    ['LIST_C0', 'pointer: core set 0'], ['LIST_C1', 'pointer: core set 1'], ['LIST_R0', 'pointer: router set 0'],
    ['LIST_R1', 'pointer: router set 1'], ['LIST_I0', 'pointer: injector list 0'], ['LIST_I1', 'pointer: injector list 1'],
    ['IMARK', 'pointer: injector marks'], ['COLOR_CH', 'pointer: channel of each color (u8)'], ['ROW_B', 'pointer: batch slice per row'],
    ['COL_K', 'pointer: input features per column'], ['COL_N', 'pointer: N features per column'],
    ['COL_START', 'pointer: output (axpy) or K (grad) block starts, Cu + 1'], ['INJ_PTR', 'pointer: stream pointer per column'],
    ['INJ_LEN', 'pointer: stream words per column'], ['INJ_POS', 'pointer: words injected per column'],
    ['SINK_PTR', 'pointer: sink pointer per column'], ['SINK_POS', 'pointer: words sunk per column'],
    ['STATS', 'pointer: u64 counters (see stat)'], ['STRIDE', 'floats between feature rows of a column (= B)'],
    ['INJ_MASK', 'stream word index mask: 0xffffffff (whole streams) or window words - 1 (each column\'s words in a ring the host refills)'],
    ['INJ_FILL', 'pointer: words of each column\'s stream in its window so far (the injector reads below it)'],
    ['INJ_WAIT', '1: a host thread refills the windows while band threads run, so an injector at its fill waits for it (the simulated cycle does not move); 0: it traps'],
  ],
  /** Global counters (u64 at the stats pointer + 8·i), in order. */
  stat: [
    ['HOPS', 'router -> neighbour router wavelets'], ['RAMP_IN', 'router -> core'], ['RAMP_OUT', 'core -> router'],
    ['INJECTED', 'edge -> mesh (stream words)'], ['SUNK', 'mesh -> edge (gradients out)'], ['FMACS', 'FMACs done'],
    ['TASKS', 'core tasks run'], ['ROUTER_STEPS', 'router visits that had a queue'], ['CORE_STEPS', 'core visits'],
    ['CYCLES', 'the cycle count when the mesh went quiet'], ['LAST', 'last cycle anything happened + 1'],
    ['WAIT_SPINS', 'threads: looks at a neighbour band\'s progress before it was there (a measure of waiting)'],
  ],
  /** u64 words reserved for the counters. */
  statWords: 16,
  /**
   * Threads: the band table (u32 words) that `fabricBandRun` reads. A head of BAND_HEAD_WORDS words, then
   * one record of BAND_WORDS words per band (a band = consecutive columns, run by one thread). The progress
   * words are written with atomics. After the N records: each band's ring of N + 1 end-of-cycle records
   * (u64: ((t + 1) << 32) | the next cycle this band has work in after cycle t: t + 1 unless its sets are
   * empty; 0xffffffff: none), cycle t in slot t mod (N + 1): a band may be up to N - 2 cycles ahead of one
   * that still reads cycle t's records.
   */
  bandHead: [['COUNT', 'bands'], ['DONE', '0 running; 2 past the cycle limit or a band failed (every band stops)'], ['LIMIT', 'cycle limit (deadlock guard)'], ['READY', 'threads that instantiated the module (they start together)'], ['SPINS', 'looks at a word before a waiting band sleeps'], ['BELL', 'rung (incremented, notified) when a word flagged SLEEP_RING is written: a skewed thread with no part able to go on sleeps on it'], ['FRONT', 'pointer: the skewed parts\' tile frontiers, FRONT_WORDS i32 a part (part v\'s at FRONT + 4 FRONT_WORDS v)'], ['FRONT_WORDS', 'words of a part\'s tile frontiers (its tiles\' most cycles)'],
    // moving columns between bands while they run (assembly/fabric/balance.ts)
    ['BAL_MODE', 'balance: 0 static bands, 1 by the bands\' measured busy time, 2 shuffled (tests: every move exercised)'],
    ['BAL_EPOCH', 'cycles between two balancing barriers'], ['BAL_ARRIVE', 'bands at the barrier'], ['BAL_GEN', 'barriers passed (the sleepers\' word)'],
    ['BAL_MOVES', 'columns moved so far'], ['BAL_SEED', 'shuffled: the xorshift32 state'],
    ['SLOW_BAND', 'benchmarks of the balancing: band k - 1 emulates a slower CPU (0: none)'], ['SLOW_PERCENT', 'that band spins this many percent of each cycle\'s computing time after it']],
  bandHeadWords: 16,
  band: [
    ['C0', 'first column'], ['C1', 'end column (exclusive)'], ['WHEEL', 'pointer: this band\'s timing wheel'],
    ['LIST_C0', 'pointer: core set 0 (cycle parity 0)'], ['LIST_C1', 'pointer: core set 1'],
    ['LIST_R0', 'pointer: router set 0'], ['LIST_R1', 'pointer: router set 1'],
    ['LIST_I0', 'pointer: injector list 0'], ['LIST_I1', 'pointer: injector list 1'], ['STATS', 'pointer: this band\'s u64 counters'],
    ['P_CORE', 'cycle + 1 whose cores and injectors are done'], ['P_FIRST', 'cycle + 1 whose first column of routers is done'],
    ['P_LAST', 'cycle + 1 whose routers are all done'], ['XWAKE', 'a neighbour woke a router here for this cycle - 1 (max)'],
    ['SLEEP_CORE', 'a thread sleeps on P_CORE'], ['SLEEP_FIRST', 'a thread sleeps on P_FIRST'], ['SLEEP_LAST', 'a thread sleeps on P_LAST'],
    ['SLEEP_REC', 'a thread sleeps on one of this band\'s end-of-cycle records (cleared by the writer)'],
    // one thread running every band in a skewed order (skew.ts) keeps each band's set sizes here between its turns
    ['SK_NCUR_C', 'skewed: cores in this cycle\'s set'], ['SK_NNEXT_C', 'skewed: cores in the next cycle\'s set'],
    ['SK_NCUR_R', 'skewed: routers in this cycle\'s set'], ['SK_NNEXT_R', 'skewed: routers in the next cycle\'s set'],
    ['SK_NCUR_I', 'skewed: injectors in this cycle\'s list'], ['SK_NNEXT_I', 'skewed: injectors in the next cycle\'s list'],
    ['SK_ISWAP', 'skewed: 1 when this cycle\'s injector list is LIST_I1'], ['SK_WHEEL_COUNT', 'skewed: cores on this band\'s wheel'],
    // skewed parts on threads (skew.ts): a part's state between its turns, in its first band's record
    ['SK_PHASE', 'skewed part: 0 at a block\'s start, 1 agreeing on a skip, 2 in the block, 3 done'], ['SK_T0', 'skewed part: the block\'s first cycle'],
    ['SK_BLOCK', 'skewed part: the block\'s index'], ['SK_KEY0', 'skewed part: the tile\'s first key (i32)'],
    ['SK_DT', 'skewed part: the tile\'s first cycle in the block (its frontiers: the next key of each of the tile\'s cycles)'],
    // balancing (balance.ts): what a band tells the barrier's last arrival, who moves columns between bands
    ['BAL_BUSY', 'f64 over this and the next word: ms this band computed since the last barrier (its waits excluded)'], ['BAL_BUSY_HI', 'the f64\'s high word'],
    ['BAL_NEXT_I', 'pointer: the injector list of the next cycle'], ['BAL_NNEXT_I', 'injectors in it'], ['BAL_WHEEL_COUNT', 'cores on this band\'s wheel'],
    ['BAL_C0', 'the band\'s first column after the barrier'], ['BAL_C1', 'its end column after the barrier'],
    ['BAL_PACE', 'f64 over this and the next word: the band\'s ms a column, smoothed over the barriers (0: none yet)'], ['BAL_PACE_HI', 'the f64\'s high word'],
  ],
  bandWords: 40,
};

/** FNV-1a over the table's canonical JSON: both sides carry it, the host checks the module's. */
export function abiHash(abi = ABI) {
  const s = JSON.stringify(abi);
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Throws unless names are unique and each program's core fields are distinct words below 16. */
function check(abi) {
  const { common, axpy, grad } = abi.coreFields;
  for (const prog of [axpy, grad]) {
    const used = new Set();
    for (const [name, v] of [...common, ...prog]) {
      if (used.has(v) || v >= 14) throw new Error(`fabric ABI: core field ${name} = ${v} collides or is past the 14 fields`);
      used.add(v);
    }
  }
  if (abi.band.length > abi.bandWords || abi.bandWords % 2 !== 0 || abi.bandHeadWords % 2 !== 0) throw new Error('fabric ABI: the band records must fit BAND_WORDS, and keep the records\' ring after them 8-byte aligned');
  const names = new Set();
  for (const [name] of [...common, ...axpy, ...grad]) {
    if (names.has(name)) throw new Error(`fabric ABI: core field ${name} named twice`);
    names.add(name);
  }
}

const HEAD = (what) => `// GENERATED by scripts/fabric-abi.mjs from its ABI table: do not edit (run \`node scripts/fabric-abi.mjs\`).
// ${what}`;

/** The AssemblyScript constants. */
export function renderAssembly(abi = ABI) {
  check(abi);
  const L = [HEAD('The fabric ABI, WASM side: directions, node record offsets, core fields, config slots, counters.'), ''];
  L.push(`export const FABRIC_MAGIC: u32 = 0x${abi.magic.toString(16)};`);
  L.push(`export const FABRIC_ABI_HASH: u32 = 0x${abiHash(abi).toString(16)};`, '');
  for (const [n, v, m] of abi.dir) L.push(`export const DIR_${n}: u32 = ${v}; // ${m}`);
  L.push(`export const NCH: u32 = ${abi.channels}; // core input channels`, '');
  for (const [n, v, m] of abi.header) L.push(`export const H_${n}: usize = ${v}; // ${m}`);
  for (const [n, v, m] of abi.routeClasses) L.push(`export const ROUTE_${n}: u32 = ${v}; // ${m}`);
  L.push('');
  for (const group of ['common', 'axpy', 'grad']) {
    L.push(`// core fields: ${group}`);
    for (const [n, v, m] of abi.coreFields[group]) L.push(`export const F_${n}: u32 = ${v}; // ${m}`);
  }
  L.push('');
  for (const [n, v, m] of abi.cstat) L.push(`export const CSTAT_${n}: u32 = ${v}; // ${m}`);
  L.push('');
  abi.cfg.forEach(([n, m], i) => L.push(`export const CFG_${n}: u32 = ${i}; // ${m}`));
  L.push(`export const CFG_SLOTS: u32 = ${abi.cfg.length};`, '');
  abi.stat.forEach(([n, m], i) => L.push(`export const ST_${n}: u32 = ${i}; // ${m}`));
  L.push(`export const ST_WORDS: u32 = ${abi.statWords};`, '');
  abi.bandHead.forEach(([n, m], i) => L.push(`export const BH_${n}: u32 = ${i}; // ${m}`));
  L.push(`export const BAND_HEAD_WORDS: u32 = ${abi.bandHeadWords};`);
  abi.band.forEach(([n, m], i) => L.push(`export const B_${n}: u32 = ${i}; // ${m}`));
  L.push(`export const BAND_WORDS: u32 = ${abi.bandWords};`, '');
  return L.join('\n');
}

/** The TypeScript tables. */
export function renderTs(abi = ABI) {
  check(abi);
  const obj = (pairs) => `{\n${pairs.map(([n, v, m]) => `  /** ${m} */\n  ${n}: ${v},`).join('\n')}\n} as const`;
  const L = [HEAD('The fabric ABI, host side (the same table as assembly/fabric/abi.ts).'), ''];
  L.push(`export const FABRIC_MAGIC = 0x${abi.magic.toString(16)};`);
  L.push(`export const FABRIC_ABI_HASH = 0x${abiHash(abi).toString(16)};`, '');
  L.push(`/** Router directions. */\nexport const DIR = ${obj(abi.dir)};\n`);
  L.push(`/** Core input channels per core. */\nexport const NCH = ${abi.channels};\n`);
  L.push(`/** Byte offsets inside a node record. */\nexport const H = ${obj(abi.header)};\n`);
  L.push(`/** The shared route table's shape. */\nexport const ROUTE = ${obj(abi.routeClasses)};\n`);
  const fields = [...abi.coreFields.common, ...abi.coreFields.axpy, ...abi.coreFields.grad];
  L.push(`/** Core fields: u32 index within a node record (common, then the axpy and the grad program's own). */\nexport const F = ${obj(fields)};\n`);
  L.push(`/** Per-core cycle counters: u32 index from a node record's oCstats (nodeLayout) (also a task's kind). */\nexport const CSTAT = ${obj(abi.cstat)};\n`);
  L.push(`/** Config block slots (u32). */\nexport const CFG = ${obj(abi.cfg.map(([n, m], i) => [n, i, m]))};\nexport const CFG_SLOTS = ${abi.cfg.length};\n`);
  L.push(`/** Global counters (u64 index at the stats pointer). */\nexport const STAT = ${obj(abi.stat.map(([n, m], i) => [n, i, m]))};\nexport const STAT_WORDS = ${abi.statWords};\n`);
  L.push(`/** Threads: the band table's head (u32 index). */\nexport const BAND_HEAD = ${obj(abi.bandHead.map(([n, m], i) => [n, i, m]))};\nexport const BAND_HEAD_WORDS = ${abi.bandHeadWords};\n`);
  L.push(`/** Threads: one band's record (u32 index from its start). */\nexport const BAND = ${obj(abi.band.map(([n, m], i) => [n, i, m]))};\nexport const BAND_WORDS = ${abi.bandWords};\n`);
  return L.join('\n');
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const OUTPUTS = [
  [join(root, 'assembly/fabric/abi.ts'), renderAssembly],
  [join(root, 'src/fabric/abi.ts'), renderTs],
];

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const extra = process.argv.slice(2).filter((a) => a !== '--check');
  if (extra.length) {
    console.error(`fabric-abi: unknown argument ${JSON.stringify(extra[0])} (usage: node scripts/fabric-abi.mjs [--check])`);
    process.exit(2);
  }
  const checkOnly = process.argv.includes('--check');
  let stale = 0;
  for (const [path, render] of OUTPUTS) {
    const text = render();
    let old = '';
    try { old = readFileSync(path, 'utf8'); } catch { /* missing */ }
    if (old === text) continue;
    if (checkOnly) { console.error(`${path} is stale: run node scripts/fabric-abi.mjs`); stale++; }
    else writeFileSync(path, text);
  }
  process.exit(stale ? 1 : 0);
}
