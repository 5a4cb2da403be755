import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Real servers and child processes: keep parallelism modest on a 2-core machine.
    maxWorkers: 2,
  },
});
