import type { WorkerPool } from '../../host/pool/index.js'
import { spareReady } from './host.js'

/** Sanity bound on how far the whole process (main thread and workers) may grow for one guest. */
export const RSS_BOUND = 1024 * 2 ** 20

export const MiB = 2 ** 20

/**
 * Runs `during` while sampling the process's resident memory; returns its result and the peak
 * growth. It first waits for the host's warm spare worker (a new pool starts it a moment after its
 * first worker), so a thread starting meanwhile does not count as the guest's memory.
 */
export async function peakGrowth<T>(
  h: { pool: WorkerPool },
  during: () => Promise<T>,
): Promise<{ result: T; growth: number }> {
  await spareReady(h)
  const base = process.memoryUsage.rss()
  let peak = base
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5)
  try {
    const result = await during()
    return { result, growth: Math.max(peak, process.memoryUsage.rss()) - base }
  } finally {
    clearInterval(sampler)
  }
}
