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
// The event loop going empty before the command ends means it waits on something that can never come
// (a promise that never settles, e.g. in a sweep module's validate): that is a failure, not success.
let finished = false;
process.on('beforeExit', () => {
  if (finished) return;
  finished = true;
  process.stderr.write('weightstream: error: the command stopped before it finished: it was waiting on something that can never happen (a promise that never settles?)\n');
  process.exitCode = 1;
});
const { run } = await import(main);
process.exitCode = await run(process.argv.slice(2));
finished = true;
