/**
 * Every synchronous run of guest code (a QuickJS call, a wasm export, an instantiation whose start
 * function runs) goes through a gate, so the pool's watchdog knows which invocation's guest code
 * holds the thread, under which deadline, and can stop exactly that one in place
 * (host/pool/preempt/). A gate whose sandbox was stopped mid-operation is closed: it refuses every
 * later entry with GuestStopped, since the engine behind it may be half-way through changing its
 * own state.
 */
export interface GuestGate {
  /** Runs `f` (guest code on behalf of `run`) and returns its result. */
  run<T>(run: GuestRun, f: () => T): T
}

/** Whose guest code runs: a pool task id (0: none), and the deadline it runs under (epoch ms). */
export interface GuestRun {
  readonly runId: number
  readonly deadline: number
}

/** The run of an invocation or a load, from its options. */
export function guestRun(opts: { runId?: number; deadline: number }): GuestRun {
  return { runId: opts.runId ?? 0, deadline: opts.deadline }
}

/** The sandbox was stopped at its deadline while its engine ran; nothing may enter it again. */
export class GuestStopped extends Error {
  override readonly name = 'GuestStopped'
  constructor() {
    super('this sandbox was stopped mid-operation at a deadline and is being rebuilt')
  }
}

/** Where no watchdog watches (tests, warm-up, scan-time checks): guest code just runs. */
export const openGate: GuestGate = { run: (_run, f) => f() }
