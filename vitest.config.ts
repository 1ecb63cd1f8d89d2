// vitest 4.1 (vitest 5 breaks its reporter on Node 20). Tests run against the TS sources; tests that
// need worker threads or the CLI use the compiled dist/ and build/ (npm test runs the build first).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    env: { WEIGHTSTREAM_WASM: 'debug' },
    // Lists, at the end, the reference checks skipped for a missing outside tool (test/helpers/outside.ts).
    globalSetup: ['test/helpers/global-setup.ts'],
  },
});
