import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten-core'
import { cpuLimitError, FnhostError, memoryLimitError } from '../../errors.js'
import { PRELUDE_FILENAME } from './prelude.js'

/** An exception thrown inside the guest, read out as plain strings. */
export interface GuestException {
  name: string
  message: string
  /** The guest's own stack frames; never a host stack. */
  stack: string
}

function readString(ctx: QuickJSContext, obj: QuickJSHandle, key: string): string {
  const h = ctx.getProp(obj, key)
  try {
    return ctx.typeof(h) === 'string' ? ctx.getString(h) : ''
  } finally {
    h.dispose()
  }
}

/** Reads a thrown value; call inside GuestRuntime.enter, as property getters are guest code. */
export function readException(ctx: QuickJSContext, handle: QuickJSHandle): GuestException {
  const type = ctx.typeof(handle)
  if (type === 'object') {
    const message = readString(ctx, handle, 'message')
    return {
      name: readString(ctx, handle, 'name') || 'Error',
      message,
      stack: readString(ctx, handle, 'stack'),
    }
  }
  const value = type === 'string' ? ctx.getString(handle) : String(ctx.dump(handle))
  return { name: 'Uncaught', message: value, stack: '' }
}

/** What the engine itself says happened: the only ground for a limit error (a guest can throw anything). */
export interface EngineState {
  /** The interrupt handler stopped guest code at its deadline. */
  interrupted: boolean
  /** The engine's memory was refused growth at the cap. */
  memoryRefused: boolean
}

/**
 * The engine ran out of memory: its memory was refused growth, and the exception is QuickJS's own
 * "out of memory" (or could not even be read, as when the allocator fails while building it).
 */
export function isOutOfMemory(e: GuestException, state: EngineState): boolean {
  if (!state.memoryRefused) return false
  const engineOom = e.name === 'InternalError' && e.message === 'out of memory'
  return engineOom || (e.message === '' && e.stack === '')
}

const MAX_FRAMES = 40

/** The guest's frames, without the prelude's (fnhost internals) and capped for deep recursion. */
export function guestFrames(stack: string): string | undefined {
  const frames = stack.split('\n').filter((l) => l.trim() && !l.includes(PRELUDE_FILENAME))
  if (frames.length > MAX_FRAMES)
    frames.splice(
      MAX_FRAMES,
      frames.length - MAX_FRAMES,
      `    ... ${frames.length - MAX_FRAMES} more frames`,
    )
  return frames.length ? frames.join('\n') : undefined
}

export function guestError(e: GuestException): FnhostError {
  const message = e.name === 'Uncaught' ? `Uncaught ${e.message}` : `${e.name}: ${e.message}`
  return new FnhostError('GUEST_ERROR', message, { guestStack: guestFrames(e.stack) })
}

/** A guest exception as the host answers it: a limit only when the engine's state says so. */
export function classifyException(
  e: GuestException,
  limits: { timeoutMs: number; memoryMb: number },
  state: EngineState,
): FnhostError {
  if (state.interrupted) return cpuLimitError(limits.timeoutMs)
  if (isOutOfMemory(e, state)) return memoryLimitError(limits.memoryMb)
  return guestError(e)
}
