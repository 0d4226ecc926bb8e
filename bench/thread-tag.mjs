/*
 * Preloaded (NODE_OPTIONS=--import) into every server the bench starts, and so into each of its
 * worker_threads: Node passes NODE_OPTIONS to a worker even when the host gives it `execArgv: []`
 * (for ES module entries, as every host thread is; an `eval: true` CommonJS worker skips it).
 * Node 20 names every thread "node" and has no per-thread CPU API (process.threadCpuUsage came in
 * Node 23.9; process.cpuUsage() in a worker is the whole process's), so each worker thread renames
 * itself here and the bench reads its CPU time from Linux's per-thread accounting in /proc.
 * One write per thread at its start; nothing runs per request.
 */
import { writeFileSync } from 'node:fs'
import { isMainThread } from 'node:worker_threads'

if (!isMainThread) {
  try {
    writeFileSync('/proc/thread-self/comm', 'node-worker')
  } catch {
    // Not Linux: the bench reports no per-thread split there.
  }
}
