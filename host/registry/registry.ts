import { watch, type FSWatcher } from 'chokidar'
import { stat } from 'node:fs/promises'
import { extname, relative, resolve, sep } from 'node:path'
import type { LimitDefaults } from '../config.js'
import type { Logger } from '../observe/log.js'
import {
  FUNCTION_EXTENSIONS,
  isFunctionFile,
  sidecarOf,
  underIgnoredName,
} from '../routing/names.js'
import { matchRequestPath, type PathMatch } from '../routing/request-path.js'
import { Router } from '../routing/router.js'
import type { FunctionInspector, FunctionLoader } from '../sandbox/types.js'
import { listFunctionFiles } from './files.js'
import { scanFile } from './scan.js'
import { Slot } from './slot.js'

export interface RegistryOptions {
  dir: string
  loader: FunctionLoader
  /** Scan-time checks of a file, run where guest bytes may be evaluated (a worker). */
  inspector: FunctionInspector
  logger: Logger
  /** Serve only these files of the folder (absolute paths), as `fnhost invoke` does; default: all. */
  files?: string[]
  /** Pick up added, changed and deleted files without a restart. */
  watch: boolean
  /** Limits a function gets unless its config sets them (fnhost.json `limits`). */
  defaults?: LimitDefaults
}

/** Files read and checked at once while the registry starts. */
const START_SCANS_IN_FLIGHT = 8

/** Past chokidar's 50 ms change throttle. */
const RECHECK_AFTER_MS = 75

export class FunctionsDirError extends Error {
  override readonly name = 'FunctionsDirError'
}

/**
 * The functions folder as a route table. Every change builds a new table and swaps it in whole, so
 * a request sees either the old version of a function or the new one; old versions are disposed
 * once their in-flight requests finish.
 */
export class Registry implements AsyncDisposable {
  readonly dir: string
  private readonly slots = new Map<string, Slot>()
  private router = new Router<Slot>([])
  private watcher?: FSWatcher
  private updates: Promise<void> = Promise.resolve()
  private readonly retiring = new Set<Promise<void>>()
  private disposed = false
  private readonly rechecks = new Map<string, NodeJS.Timeout>()

  constructor(private readonly options: RegistryOptions) {
    this.dir = resolve(options.dir)
  }

  /** Limits a function gets unless its config sets them. */
  get defaults(): LimitDefaults {
    return this.options.defaults ?? {}
  }

  get loader(): FunctionLoader {
    return this.options.loader
  }

  get inspector(): FunctionInspector {
    return this.options.inspector
  }

  async start(): Promise<void> {
    const info = await stat(this.dir).catch(() => undefined)
    if (!info?.isDirectory()) throw new FunctionsDirError(`functions folder not found: ${this.dir}`)
    const files = this.options.files ?? (await listFunctionFiles(this.dir))
    // Several files in flight at once, so reading and checking them (in a worker) overlap.
    const queue = [...files]
    const scanNext = async (): Promise<void> => {
      for (let file = queue.shift(); file !== undefined; file = queue.shift())
        await this.rescan(file, false)
    }
    await Promise.all(Array.from({ length: START_SCANS_IN_FLIGHT }, scanNext))
    this.rebuild()
    if (this.options.watch) await this.startWatching()
  }

  /** All functions, failed ones included, sorted by name. */
  list(): Slot[] {
    return [...this.slots.values()].sort((a, b) => a.name.localeCompare(b.name))
  }

  /** A function by its name (its path below the folder, without extension). */
  byName(name: string): Slot | undefined {
    for (const slot of this.slots.values()) if (slot.name === name) return slot
    return undefined
  }

  /** The function serving a raw request path (PathError for a path trick), if any. */
  match(rawPath: string): PathMatch<Slot> | undefined {
    return matchRequestPath(this.router, rawPath)
  }

  /**
   * Runs `write` (the management API's file changes) in the update queue, then re-reads `files`
   * and swaps the table: no watcher event is applied in between, so a function and its sidecar
   * change together, and the returned promise resolves once the new version is served.
   */
  apply<T>(files: string[], write: () => Promise<T>): Promise<T> {
    const run = this.updates.then(async () => {
      if (this.disposed) throw new Error('the registry is shutting down')
      const result = await write()
      let changed = false
      for (const file of files) changed = (await this.rescan(file, true)) || changed
      if (changed) this.rebuild()
      return result
    })
    this.updates = run.then(
      () => undefined,
      () => undefined,
    )
    return run
  }

  /** The function read from `file`, failed or not. */
  slotOf(file: string): Slot | undefined {
    return this.slots.get(file)
  }

  private async startWatching(): Promise<void> {
    const watcher = watch(this.dir, {
      ignoreInitial: true,
      ignored: (path) => underIgnoredName(relative(this.dir, path)),
    })
    const onPath = (path: string) => {
      this.enqueue(() => this.onFileEvent(path))
      this.recheckLater(path)
    }
    watcher.on('add', onPath).on('change', onPath).on('unlink', onPath)
    watcher.on('unlinkDir', (path) => this.enqueue(async () => this.removeUnder(path)))
    watcher.on('error', (e) =>
      this.options.logger.error(`watching ${this.dir} failed: ${String(e)}`),
    )
    await new Promise<void>((ready) => watcher.once('ready', ready))
    this.watcher = watcher
  }

  /**
   * chokidar drops a second 'change' of a path within 50 ms of the first (a leading-edge throttle),
   * so a quick second write would never be seen: read the path again once that window has passed.
   */
  private recheckLater(path: string): void {
    clearTimeout(this.rechecks.get(path))
    const timer = setTimeout(() => {
      this.rechecks.delete(path)
      this.enqueue(() => this.onFileEvent(path))
    }, RECHECK_AFTER_MS)
    this.rechecks.set(path, timer)
  }

  private enqueue(task: () => Promise<void>): void {
    this.updates = this.updates.then(task).catch((e) => {
      this.options.logger.error(`applying a change in ${this.dir} failed: ${(e as Error).message}`)
    })
  }

  private async onFileEvent(path: string): Promise<void> {
    if (this.disposed) return
    const rel = relative(this.dir, path)
    let changed = false
    if (extname(path) === '.json') {
      for (const ext of FUNCTION_EXTENSIONS) {
        const fn = path.slice(0, -'.json'.length) + ext
        if (sidecarOf(fn) === path && this.slots.has(fn))
          changed = (await this.rescan(fn, true)) || changed
      }
    } else if (isFunctionFile(rel)) {
      changed = await this.rescan(path, true)
    }
    if (changed) this.rebuild()
  }

  /** Re-reads one file; returns whether the served version changed. */
  private async rescan(file: string, log: boolean): Promise<boolean> {
    const exists = await stat(file).then(
      (s) => s.isFile(),
      () => false,
    )
    const old = this.slots.get(file)
    if (!exists) {
      if (!old) return false
      this.slots.delete(file)
      this.retire(old)
      if (log) this.options.logger.info(`removed ${old.routes.join(', ')}`, { fn: old.name })
      return true
    }
    const outcome = await scanFile(this.dir, file, this.options.inspector, this.options.defaults)
    const slot = 'spec' in outcome ? Slot.fromSpec(outcome.spec) : Slot.fromFailure(outcome.failure)
    if (old && old.version === slot.version) return false
    this.slots.set(file, slot)
    if (old) this.retire(old)
    if (slot.failure)
      this.options.logger.error(`failed to load: ${slot.failure}`, { fn: slot.name })
    else if (log)
      this.options.logger.info(`${old ? 'updated' : 'added'} ${slot.routes.join(', ')}`, {
        fn: slot.name,
      })
    return true
  }

  private removeUnder(dirPath: string): void {
    let changed = false
    for (const [file, slot] of this.slots) {
      if (file.startsWith(dirPath + sep)) {
        this.slots.delete(file)
        this.retire(slot)
        changed = true
      }
    }
    if (changed) this.rebuild()
  }

  private retire(slot: Slot): void {
    const done = slot.retire().finally(() => this.retiring.delete(done))
    this.retiring.add(done)
  }

  /** Builds the route table from scratch and swaps it in; a route claimed twice answers with a load failure. */
  private rebuild(): void {
    const claims = new Map<string, Slot[]>()
    for (const slot of this.slots.values())
      for (const route of slot.routes) claims.set(route, [...(claims.get(route) ?? []), slot])
    const table: [string, Slot][] = []
    for (const [route, slots] of claims) {
      const only = slots[0] as Slot
      if (slots.length === 1) {
        table.push([route, only])
        continue
      }
      const files = slots.map((s) => relative(this.dir, s.file)).join(', ')
      const reason = `route ${route} is claimed by more than one function (${files}); rename one or set config.route`
      this.options.logger.error(reason)
      table.push([
        route,
        Slot.fromFailure({ name: only.name, file: only.file, routes: [route], reason }),
      ])
    }
    this.router = new Router(table)
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.disposed) return
    this.disposed = true
    await this.watcher?.close()
    for (const timer of this.rechecks.values()) clearTimeout(timer)
    await this.updates
    for (const slot of this.slots.values()) this.retire(slot)
    this.slots.clear()
    this.router = new Router([])
    await Promise.all(this.retiring)
  }
}
