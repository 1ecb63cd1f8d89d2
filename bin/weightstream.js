#!/usr/bin/env node
// The weightstream command line: runs the compiled CLI (npm install builds it; `npm run build` rebuilds).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write('weightstream: not built yet: run `npm run build` (npm install does it)\n');
  process.exit(1);
}
// A reader that goes away (`weightstream claims | head`) is not an error: stop quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}
const { run } = await import(main);
process.exitCode = await run(process.argv.slice(2));
