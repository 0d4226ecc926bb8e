import { StackMapper } from './source-map.js'
import { FnhostError } from '../../errors.js'
import type { FunctionSpec } from '../../types.js'
import type { InvocationLog } from '../../observe/invocation-log.js'
import { guestFilename } from './source.js'
import { VENDOR_FILENAME } from './vendor.js'

/** The function's source map as a position rewriter, if it was bundled. */
export function stackMapperOf(spec: FunctionSpec): StackMapper | undefined {
  if (spec.sourceMap === undefined) return undefined
  const maps = new Map([[guestFilename(spec), spec.sourceMap]])
  if (spec.vendor) maps.set(VENDOR_FILENAME, spec.vendor.map)
  return new StackMapper(maps)
}

/** A log whose lines point at the original files (console.error of an Error, uncaught errors). */
export function mappedLog(log: InvocationLog, mapper: StackMapper | undefined): InvocationLog {
  if (!mapper) return log
  return {
    get full() {
      return log.full
    },
    write: (level, message) => log.write(level, mapper.rewrite(message)),
  }
}

/** The same error with its message and guest stack pointing at the original files. */
export function mappedError(e: unknown, mapper: StackMapper | undefined): unknown {
  if (!mapper || !(e instanceof FnhostError)) return e
  const message = mapper.rewrite(e.message)
  const guestStack = e.guestStack === undefined ? undefined : mapper.rewrite(e.guestStack)
  if (message === e.message && guestStack === e.guestStack) return e
  const mapped = new FnhostError(e.code, message, {
    cause: e.cause,
    guestStack,
    retryAfterS: e.retryAfterS,
    headers: e.headers,
  })
  return mapped
}
