import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Model loading and local HTTP servers make some tests slow on a cold machine.
    testTimeout: 60_000,
  },
});
