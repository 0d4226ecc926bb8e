import { FnhostError } from '../../../errors.js'
import type { GuestResponse } from '../../../invocation.js'
import { parseCgiResponse } from '../../wasm/cgi-response.js'
import { DEVICE_ERRORS } from './frames.js'
import type { Outcome } from './link.js'

/** wasm2c's trap codes (wasm-rt.h) and the runtime's own, as V8 words the same traps. */
const TRAP_MESSAGES: Record<number, string> = {
  1: 'memory access out of bounds',
  2: 'divide result unrepresentable',
  3: 'divide by zero',
  4: 'float unrepresentable in integer range',
  5: 'unreachable',
  6: 'null function or function signature mismatch',
}
const TRAP_EXHAUSTION = 8
const TRAP_LOG_RANGE = 101
const PAGE = 65536

/**
 * A device's outcome as the host's fnmicro driver would have answered it: the same statuses,
 * error codes and messages (host/sandbox/micro/micro-function.ts), so both give identical bytes.
 */
export function deviceResponse(name: string, respCap: number, o: Outcome): GuestResponse {
  if (o.tag === 'error')
    throw new FnhostError(
      'GUEST_ERROR',
      `function ${name}: the device refused the request: ${DEVICE_ERRORS[o.code] ?? `error ${o.code}`}`,
    )
  if (o.tag === 'trap') {
    if (o.trap === TRAP_EXHAUSTION)
      throw new FnhostError('GUEST_ERROR', `function ${name} overflowed its stack`)
    const message =
      o.trap === TRAP_LOG_RANGE
        ? `fnmicro.log(${o.a | 0}, ${o.b | 0}) reaches outside the ${PAGE}-byte memory`
        : (TRAP_MESSAGES[o.trap] ?? `the device runtime stopped the module (trap ${o.trap})`)
    throw new FnhostError('GUEST_ERROR', `function ${name} trapped: ${message}`)
  }
  const length = o.result
  if (length < 0)
    throw new FnhostError('GUEST_ERROR', `function ${name} failed: fnm_handle returned ${length}`)
  if (length > respCap)
    throw new FnhostError(
      'GUEST_BAD_RESPONSE',
      `fnm_handle returned ${length}, more than its response buffer of ${respCap} bytes`,
    )
  return parseCgiResponse(o.bytes as Uint8Array<ArrayBuffer>, 'the response buffer')
}
