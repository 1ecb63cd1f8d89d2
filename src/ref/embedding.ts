// Plain-TS reference for the token + position embedding (the living spec of assembly/nn/embedding-*).
// Legend: n columns (tokens, j = s·T + t), T positions per sequence, C channels; ids [n] in [0, V);
// wte [V, C], wpe [P, C] (PyTorch's row-per-token layouts); out, dout [C, n] feature-major.
import type { Vec } from './nn.js';

/** out[c, j] = wte[ids[j], c] + wpe[j mod T, c]. */
export function embeddingForwardRef(out: Vec, ids: Int32Array, wte: Vec, wpe: Vec, n: number, T: number, C: number): void {
  for (let j = 0; j < n; j++) {
    for (let c = 0; c < C; c++) out[c * n + j] = wte[ids[j] * C + c] + wpe[(j % T) * C + c];
  }
}

/** dwte[ids[j], c] += dout[c, j]; dwpe[j mod T, c] += dout[c, j] (j ascending; one rounding per add in f32 arrays). */
export function embeddingBackwardRef(dwte: Vec, dwpe: Vec | null, dout: Vec, ids: Int32Array, n: number, T: number, C: number): void {
  for (let j = 0; j < n; j++) {
    for (let c = 0; c < C; c++) {
      const g = dout[c * n + j];
      dwte[ids[j] * C + c] += g;
      if (dwpe) dwpe[(j % T) * C + c] += g;
    }
  }
}
