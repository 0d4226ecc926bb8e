import { defineConfig, mergeConfig } from 'vitest/config'
import base from './vitest.config.js'

/**
 * `FNHOST_TEST_CPU_LOG=/tmp/cpu.tsv npx vitest run --config vitest.measure.config.ts`: the usual
 * run, plus one line per test file in that log (CPU seconds total, own, child processes; wall
 * seconds; file). `sort -rn` it for the files that cost the most.
 */
export default mergeConfig(
  base,
  defineConfig({ test: { setupFiles: ['test/helpers/cpu-report.ts'] } }),
)
