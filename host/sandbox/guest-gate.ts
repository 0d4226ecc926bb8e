/**
 * Every synchronous run of guest code (a QuickJS call, a wasm export, an instantiation whose start
 * function runs) goes through a gate, so the pool's watchdog knows which invocation's guest code
 * holds the thread and can stop exactly that one in place (host/pool/preempt/). A gate whose
 * sandbox was stopped mid-operation is closed: it refuses every later entry with GuestStopped,
 * since the engine behind it may be half-way through changing its own state.
 */
export interface GuestGate {
  /** Runs `f` (guest code on behalf of run `runId`, a pool task id) and returns its result. */
  run<T>(runId: number, f: () => T): T
}

/** The sandbox was stopped at its deadline while its engine ran; nothing may enter it again. */
export class GuestStopped extends Error {
  override readonly name = 'GuestStopped'
  constructor() {
    super('this sandbox was stopped mid-operation at a deadline and is being rebuilt')
  }
}

/** Where no watchdog watches (tests, warm-up, scan-time checks): guest code just runs. */
export const openGate: GuestGate = { run: (_runId, f) => f() }
