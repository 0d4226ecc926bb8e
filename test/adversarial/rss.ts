/** Sanity bound on how far the whole process (main thread and workers) may grow for one guest. */
export const RSS_BOUND = 1024 * 2 ** 20

export const MiB = 2 ** 20

/** Runs `during` while sampling the process's resident memory; returns its result and the peak growth. */
export async function peakGrowth<T>(
  during: () => Promise<T>,
): Promise<{ result: T; growth: number }> {
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
