import { importModule } from '../import-module.js'
import type { FunctionSpec, SandboxKind } from '../types.js'
import { createComponentDriver } from './component/driver.js'
import { microDriver } from './micro/driver.js'
import { resolveEgress, type EgressOptions } from './egress.js'
import { createOutboundFetch } from './outbound.js'
import { createQuickjsDriver } from './quickjs/driver.js'
import type { LoadedFunction, LoadOptions, SandboxDriver } from './types.js'
import { wasiDriver } from './wasi/driver.js'

/**
 * How the drivers of one thread are built: plain, structured-cloneable data, so the pool hands the
 * same options to every worker and tests and the bench configure drivers the way a host does.
 */
export interface DriverOptions {
  /** Where guest fetch() may go (default: public addresses only). */
  egress?: EgressOptions
  /**
   * Modules (file: URLs) whose `drivers` export (SandboxDriver[]) runs before the built-in ones:
   * a driver of one's own, or a test's.
   */
  modules?: string[]
  /** Where transpiled wasi:http components are cached (default: a private folder in the OS temp dir). */
  componentCacheDir?: string
}

export interface DriverSet {
  readonly drivers: readonly SandboxDriver[]
  /** The driver of a kind; throws for a kind this set does not have. */
  get(kind: SandboxKind): SandboxDriver
  /** The first driver that claims the file; throws UnsupportedFileError when none does. */
  detect(file: string, bytes: Uint8Array): SandboxDriver
  /** Loads a function with the driver of its kind, refusing config that kind cannot honour. */
  load(spec: FunctionSpec, opts?: LoadOptions): Promise<LoadedFunction>
  /** Starts every driver's background preparation (SandboxDriver.prepare). */
  prepare(): void
  /** Prepares for a function loaded on another worker (SandboxDriver.expect). */
  expect(spec: FunctionSpec): void
}

export class UnsupportedFileError extends Error {
  override readonly name = 'UnsupportedFileError'
}

/** The one place that knows every guest kind. Order matters: the first driver that detects a file runs it. */
export async function createDrivers(options: DriverOptions = {}): Promise<DriverSet> {
  const extra: SandboxDriver[] = []
  for (const url of options.modules ?? []) {
    const mod = (await importModule(url)) as { drivers?: SandboxDriver[] }
    if (!Array.isArray(mod.drivers)) throw new TypeError(`${url} exports no drivers array`)
    extra.push(...mod.drivers)
  }
  const egress = resolveEgress(options.egress)
  const quickjs = createQuickjsDriver({
    hostFetch: createOutboundFetch(egress.outbound),
    maxSubrequests: egress.maxSubrequests,
  })
  const component = createComponentDriver({
    cacheDir: options.componentCacheDir,
    egress: options.egress,
  })
  return driverSet([...extra, component, microDriver, wasiDriver, quickjs])
}

function driverSet(drivers: SandboxDriver[]): DriverSet {
  const byKind = new Map(drivers.map((d) => [d.kind, d]))
  return {
    drivers,
    get(kind) {
      const driver = byKind.get(kind)
      if (!driver) throw new UnsupportedFileError(`no sandbox driver named ${kind}`)
      return driver
    },
    async load(spec, opts) {
      if (spec.config.board !== undefined && spec.kind !== 'micro')
        throw new UnsupportedFileError(
          `config.board runs fnmicro modules on a device; ${spec.name} is not an fnmicro module`,
        )
      return this.get(spec.kind).load(spec, opts)
    },
    prepare() {
      for (const driver of drivers) driver.prepare?.()
    },
    expect(spec) {
      byKind.get(spec.kind)?.expect?.(spec)
    },
    detect(file, bytes) {
      for (const driver of drivers) if (driver.detect(file, bytes)) return driver
      if (file.endsWith('.wasm'))
        throw new UnsupportedFileError(
          'not a runnable wasm module: expected a WAGI command (wasm32-wasi, exports _start), an fnmicro module (exports fnm_handle) or a wasi:http component',
        )
      throw new UnsupportedFileError(`no sandbox runs ${file.split('/').pop()}`)
    },
  }
}
