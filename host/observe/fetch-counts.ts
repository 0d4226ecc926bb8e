/**
 * Guests' outbound fetches, counted where they happen: on whichever thread runs the sandbox. A
 * worker sends what it counted to the main thread after each invocation (`takeFetchCounts`);
 * sandboxes run on the main thread count straight into `threadFetchCounts`.
 */
export interface FetchCounts {
  ok: number
  /** Refused by the egress policy or the per-invocation limit. */
  denied: number
  /** Network failures, timeouts, aborts, oversized answers. */
  failed: number
}

export type FetchOutcome = keyof FetchCounts

export function emptyFetchCounts(): FetchCounts {
  return { ok: 0, denied: 0, failed: 0 }
}

export function addFetchCounts(into: FetchCounts, more: FetchCounts): void {
  into.ok += more.ok
  into.denied += more.denied
  into.failed += more.failed
}

const total = emptyFetchCounts()
const sent = emptyFetchCounts()

export function recordFetch(outcome: FetchOutcome): void {
  total[outcome]++
}

/** Everything counted on this thread since it started. */
export function threadFetchCounts(): FetchCounts {
  return { ...total }
}

/** What was counted since the last call, or undefined when nothing was. */
export function takeFetchCounts(): FetchCounts | undefined {
  const delta = {
    ok: total.ok - sent.ok,
    denied: total.denied - sent.denied,
    failed: total.failed - sent.failed,
  }
  if (delta.ok === 0 && delta.denied === 0 && delta.failed === 0) return undefined
  addFetchCounts(sent, delta)
  return delta
}
