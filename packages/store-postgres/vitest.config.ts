import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Each test file starts PGlite (Postgres compiled to WebAssembly), which takes seconds on a busy machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
