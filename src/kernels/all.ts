// Imports every area's registry file so that kernelVariants() lists them all. One line per area.
import './registry.js';
import './registry-sparse.js';
import './registry-dense.js';
import './registry-nn.js';
import './registry-optim.js';
import './registry-attention.js';
