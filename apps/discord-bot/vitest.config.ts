import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // End-to-end tests log a real discord.js client in and spawn the built bot.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
