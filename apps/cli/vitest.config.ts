import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Every test spawns the built CLI, which loads the embedding model: slow on a 2-core machine.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Files run one after another: several CLI processes loading the model at once starve each other.
    fileParallelism: false,
  },
});
