/**
 * What happens inside sandboxes, counted where it happens: on whichever thread runs the sandbox.
 * A worker sends what it counted to the main thread with each invocation's answer
 * (`takeGuestCounts`); sandboxes run on the main thread count straight into `threadGuestCounts`.
 */
export const GUEST_COUNTERS = [
  /** Guest fetches answered, refused (egress policy or per-invocation limit), failed (network, timeout, size). */
  'fetchOk',
  'fetchDenied',
  'fetchFailed',
  /** Shared sandboxes dropped after a fault (deadline, memory, stack) and rebuilt for the next call. */
  'sandboxRebuilds',
] as const

export type GuestCounter = (typeof GUEST_COUNTERS)[number]
export type GuestCounts = Record<GuestCounter, number>

export function emptyGuestCounts(): GuestCounts {
  return { fetchOk: 0, fetchDenied: 0, fetchFailed: 0, sandboxRebuilds: 0 }
}

export function addGuestCounts(into: GuestCounts, more: GuestCounts): void {
  for (const k of GUEST_COUNTERS) into[k] += more[k]
}

const total = emptyGuestCounts()
const sent = emptyGuestCounts()

export function countGuest(counter: GuestCounter): void {
  total[counter]++
}

/** Everything counted on this thread since it started. */
export function threadGuestCounts(): GuestCounts {
  return { ...total }
}

/** What was counted since the last call, or undefined when nothing was. */
export function takeGuestCounts(): GuestCounts | undefined {
  const delta = emptyGuestCounts()
  let any = false
  for (const k of GUEST_COUNTERS) {
    delta[k] = total[k] - sent[k]
    sent[k] = total[k]
    any ||= delta[k] !== 0
  }
  return any ? delta : undefined
}
