import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Names the tests skipped for want of promtool/Prometheus/Alertmanager (see the file).
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Real servers and child processes: keep parallelism modest on a 2-core machine.
    maxWorkers: 2,
  },
});
