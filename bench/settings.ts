/** How long and how hard each part of the bench runs; one record for a full run, one for --quick. */
export interface Settings {
  /** Load generator: open connections and threads, the same for every throughput scenario; wrk takes whole seconds. */
  connections: number
  threads: number
  warmupS: number
  durationS: number
  /** New function files written into a served folder, one after another. */
  coldStartRuns: number
  /** `fnhost serve` processes started to time process start to first 200. */
  processStartRuns: number
  /** Idle functions loaded for the density figures, smallest first. */
  densityCounts: number[]
  /** Calls timed per driver for the sandbox overhead. */
  overheadCalls: number
  /** Requests that run into the CPU limit, for each of the soft and the hard limit. */
  limitRuns: number
  /** The CPU limit (`timeoutMs`) of the functions that never finish. */
  limitTimeoutMs: number
  /** Each of the two back-to-back windows of the warm-up figure (the same in --quick: it is the 5 s). */
  warmUpWindowS: number
}

export const FULL: Settings = {
  connections: 50,
  threads: 1,
  warmupS: 1,
  durationS: 5,
  coldStartRuns: 30,
  processStartRuns: 5,
  densityCounts: [1, 100, 1000],
  overheadCalls: 5000,
  limitRuns: 30,
  limitTimeoutMs: 100,
  warmUpWindowS: 5,
}

export const QUICK: Settings = {
  ...FULL,
  warmupS: 1,
  durationS: 2,
  coldStartRuns: 10,
  processStartRuns: 2,
  overheadCalls: 500,
  limitRuns: 10,
}
