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

const isInternal = (e: GuestException, message: string) =>
  e.name === 'InternalError' && e.message === message

export const isOutOfMemory = (e: GuestException) => isInternal(e, 'out of memory')
const isInterrupted = (e: GuestException) => isInternal(e, 'interrupted')

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

/** A guest exception as the host answers it. */
export function classifyException(
  e: GuestException,
  limits: { timeoutMs: number; memoryMb: number },
): FnhostError {
  if (isOutOfMemory(e)) return memoryLimitError(limits.memoryMb)
  if (isInterrupted(e)) return cpuLimitError(limits.timeoutMs)
  return guestError(e)
}
