import { FnhostError } from '../../errors.js'

/** The wasm frames of a trap's stack: the guest's own trace, with every host frame left out. */
export function wasmFrames(e: Error): string | undefined {
  const frames = (e.stack ?? '')
    .split('\n')
    .filter((l) => l.includes('wasm://') || l.includes('wasm-function['))
    .map((l) => l.trim())
  return frames.length ? frames.join('\n') : undefined
}

/**
 * A failure thrown out of guest code as an FnhostError: traps and stack overflow are the guest's
 * fault (GUEST_ERROR with its wasm frames), anything else is the host's.
 */
export function guestFailure(name: string, e: unknown): FnhostError {
  if (e instanceof WebAssembly.RuntimeError)
    return new FnhostError('GUEST_ERROR', `function ${name} trapped: ${e.message}`, {
      cause: e,
      guestStack: wasmFrames(e),
    })
  if (e instanceof RangeError && /call stack/i.test(e.message))
    return new FnhostError('GUEST_ERROR', `function ${name} overflowed its stack`, {
      cause: e,
      guestStack: wasmFrames(e),
    })
  if (e instanceof RangeError && /allocate/i.test(e.message))
    return new FnhostError(
      'MEMORY_LIMIT',
      `the host could not allocate memory for function ${name}`,
      { cause: e },
    )
  if (e instanceof WebAssembly.LinkError)
    return new FnhostError(
      'FUNCTION_LOAD_FAILED',
      `function ${name} failed to link: ${e.message}`,
      { cause: e },
    )
  if (e instanceof FnhostError) return e
  return new FnhostError('INTERNAL_ERROR', 'internal error in the function host', { cause: e })
}
