import { createDrivers, type DriverSet } from '../../host/sandbox/index.js'
import type { FunctionInspector } from '../../host/sandbox/types.js'

let drivers: Promise<DriverSet> | undefined

/** Scan-time checks on this thread, for unit tests of the registry's scan (hosts use the pool). */
export const inspectHere: FunctionInspector = async (file, bytes, hints) => {
  const driver = (await (drivers ??= createDrivers())).detect(file, bytes)
  return { kind: driver.kind, ...(await driver.inspect(file, bytes, hints)) }
}
