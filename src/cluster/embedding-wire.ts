// What a GPT's embedding layer moves, as the hardware would, where the simulator's dense blocks would
// overstate it: the layer streams no weights for its backward pass (the scatter-add reads only the output
// gradient and the token ids, never wte), and its gradient leaves the wafer as the rows of the batch's
// tokens only (plus the T position rows): a row id (one 32-bit word) and C floats per row.
// Legend: N = systems, T = tokens per sequence, C = width, V = vocabulary, r_w = distinct tokens of system w.
import type { Plan } from '../model/plan.js';
import type { TokenSplit } from '../data/tokens.js';
import type { GradientWire } from '../swarmx/swarm.js';

/** Whether streamed layer l reads its weights in the backward pass (every layer but the embedding's). */
export function streamsInBackward(plan: Plan, l: number): boolean {
  return plan.ops[plan.layers[l].weightOp].kind !== 'embedding';
}

/** The streamed layer holding the embedding, or -1. */
export function embeddingLayer(plan: Plan): number {
  const op = plan.ops[0];
  return op.kind === 'embedding' ? op.layer : -1;
}

/**
 * Bytes of the embedding gradient for one step: each system sends r_w rows of wte and the T rows of wpe
 * (sentBytes = Σ_w 4·(r_w·(C + 1) + T·C)); the reduced sum holds the union of the rows.
 * `shares[w]` are the row indices (sequences) of system w in `split`.
 */
export function embeddingWire(plan: Plan, split: TokenSplit, shares: Int32Array[]): GradientWire {
  const op = plan.ops[0];
  if (op.kind !== 'embedding') throw new Error('embeddingWire: the plan has no embedding');
  const T = plan.seqLen;
  const C = op.outWidth;
  const W = T + 1;
  const union = new Uint8Array(op.vocab);
  const mine = new Uint8Array(op.vocab);
  let sent = 0;
  let all = 0;
  for (const rows of shares) {
    mine.fill(0);
    let r = 0;
    for (const row of rows) {
      for (let t = 0; t < T; t++) {
        const id = split.tokens[row * W + t];
        if (!mine[id]) (mine[id] = 1), r++;
        if (!union[id]) (union[id] = 1), all++;
      }
    }
    if (rows.length > 0) sent += 4 * (r * (C + 1) + T * C);
  }
  return { sentBytes: sent, reducedBytes: 4 * (all * (C + 1) + T * C) };
}
