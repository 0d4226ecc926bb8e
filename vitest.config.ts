import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // One test file at a time: the watchdog and deadline cases measure time on a 2-core machine,
    // and files racing each other for the cores turn their sanity bounds into coin flips.
    fileParallelism: false,
  },
})
