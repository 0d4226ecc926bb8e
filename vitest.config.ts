import { configDefaults, defineConfig } from 'vitest/config'

/**
 * `npm run test:fast` (test/helpers/size.ts reads the same variable): one run of both projects (the
 * parallel group, then the files that run alone), with the type check and the lint started beside
 * it at the lowest priority (nice 19), so they take only the cores the tests leave idle (files
 * waiting on ticks, timers, child processes) and never race the alone group for them.
 */
const QUICK = process.env.FNHOST_TEST_QUICK === '1'

/**
 * Files that run one at a time after every other file, with the cores to themselves, so files
 * racing them for the cores do not turn their bounds into coin flips: those whose sanity bounds
 * are tens of milliseconds (a 4 ms race window, a 30 ms early answer, a 60 ms event-loop stall),
 * the adversarial suite (load, floods, memory) and the bench checks.
 */
const ALONE = [
  'test/preempt/race.test.ts',
  'test/sandbox/quickjs/conventions.test.ts',
  'test/sandbox/quickjs/faults.test.ts',
  'test/bundle/cache.test.ts',
  'test/pool/admission.test.ts',
  'test/sandbox/wasi/load.test.ts',
  'test/adversarial/**',
  'test/bench/**',
]

/**
 * What `npm test` runs and `npm run test:fast` (the inner loop) leaves out: the adversarial suite,
 * the bench checks, toolchain and packaging proofs, each a minute of builds or emulation that most
 * edits do not change, and the crash, signal and multi-process proofs, which start processes to
 * kill or race them. The corpus replays every fnmicro module on both QEMU boards (mcu/build, link,
 * serve and traps keep QEMU in the fast loop); the package test runs `npm pack` (a full build) and
 * an install; the binary test builds the single binary. The SIGKILL-mid-deploy test starts a host
 * twice per kill point; KV durability kills a writer process and races two incrementing processes
 * on each backend; KV processes races two `fnhost serve` processes on each backend (kv/host,
 * kv/sqlite and kv/redis keep the store's contract in the fast loop, in-process); the serve
 * lifecycle test signals `fnhost serve` processes as a platform does (readiness while the first
 * scan loads, SIGTERM past --grace-ms; cli/serve keeps a SIGTERM drain in the fast loop).
 */
const NOT_QUICK = [
  'test/adversarial/**',
  'test/bench/**',
  'test/mcu/corpus.test.ts',
  'test/distribution/npm-package.test.ts',
  'test/distribution/binary.test.ts',
  'test/admin/sigkill.test.ts',
  'test/kv/durability.test.ts',
  'test/kv/processes.test.ts',
  'test/cli/lifecycle.test.ts',
]

/**
 * Files of the parallel group running at once. Most files wait more than they compute (timers,
 * child processes, cron ticks), so three keep two cores busy; those that measure time run ALONE.
 */
const PARALLEL_FILES = 3

/**
 * The parallel group's files share their processes (one file after another in each of the
 * PARALLEL_FILES processes) instead of a new process per file, which cost ~0.35 CPU-s to start and
 * as much again to import the host's modules each time. A file that changes process-wide state
 * puts it back when it ends (process.env in its hooks; test/helpers/per-file.ts restores globals
 * a server replaced, and ends the shared test pool unless the file left it idle). The files that
 * run alone keep a process each: their time bounds should not depend on what ran before them.
 */
const SHARE_PROCESSES = true

const common = {
  testTimeout: 30_000,
  hookTimeout: 30_000,
  pool: 'forks' as const,
  setupFiles: ['test/helpers/per-file.ts'],
}
const skipped = [...configDefaults.exclude, ...(QUICK ? NOT_QUICK : [])]

export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          ...common,
          name: 'parallel',
          include: ['test/**/*.test.ts'],
          exclude: [...skipped, ...ALONE],
          maxWorkers: PARALLEL_FILES,
          isolate: !SHARE_PROCESSES,
        },
      },
      {
        extends: true,
        test: {
          ...common,
          name: 'alone',
          include: ALONE.map((f) => (f.endsWith('/**') ? `${f}/*.test.ts` : f)),
          exclude: skipped,
          fileParallelism: false,
        },
      },
    ],
  },
})
