import { watch, type FSWatcher } from 'chokidar'
import { stat } from 'node:fs/promises'
import { extname, relative, resolve, sep } from 'node:path'
import { BUNDLED_EXTENSIONS, forgetBundle } from '../bundle/index.js'
import type { Logger } from '../observe/log.js'
import type { FunctionLoader } from '../sandbox/types.js'
import { FUNCTION_EXTENSIONS, Router, type RouteMatch } from './routes.js'
import { isFunctionFile, listFunctionFiles, sidecarOf } from './files.js'
import { scanFile } from './scan.js'
import { Slot } from './slot.js'

export interface RegistryOptions {
  dir: string
  loader: FunctionLoader
  logger: Logger
  /** Pick up added, changed and deleted files without a restart. */
  watch: boolean
}

/** Past chokidar's 50 ms change throttle. */
const RECHECK_AFTER_MS = 75

/** Files scanned at once at start-up. */
const STARTUP_SCANS = 8

const isBundled = (file: string) =>
  (BUNDLED_EXTENSIONS as readonly string[]).includes(extname(file))

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
  private listeners = new Set<() => void>()
  private readonly rechecks = new Map<string, NodeJS.Timeout>()
  /** The files each bundled function was last built from: a change to one reloads the function. */
  private readonly inputs = new Map<string, string[]>()

  constructor(private readonly options: RegistryOptions) {
    this.dir = resolve(options.dir)
  }

  get loader(): FunctionLoader {
    return this.options.loader
  }

  async start(): Promise<void> {
    const info = await stat(this.dir).catch(() => undefined)
    if (!info?.isDirectory()) throw new FunctionsDirError(`functions folder not found: ${this.dir}`)
    const files = await listFunctionFiles(this.dir)
    // Scans wait mostly on the bundler (its own thread and process): several at once.
    let next = 0
    const scanner = async () => {
      while (next < files.length) await this.rescan(files[next++] as string, false)
    }
    await Promise.all(Array.from({ length: STARTUP_SCANS }, scanner))
    this.rebuild()
    if (this.options.watch) await this.startWatching()
  }

  /** All functions, failed ones included, sorted by name. */
  list(): Slot[] {
    return [...this.slots.values()].sort((a, b) => a.name.localeCompare(b.name))
  }

  match(segments: string[]): RouteMatch<Slot> | undefined {
    const router = this.router
    if (segments[0] === 'r' && !router.hasTopSegment('r')) return router.match(segments.slice(1))
    return router.match(segments)
  }

  /** Resolves when the changes seen so far are applied (tests and `fnhost serve` start-up use it). */
  settled(): Promise<void> {
    return this.updates
  }

  /** Called after every swap of the route table. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private async startWatching(): Promise<void> {
    const watcher = watch(this.dir, {
      ignoreInitial: true,
      ignored: (path) => {
        const rel = relative(this.dir, path)
        return rel !== '' && rel.split(sep).some((p) => p.startsWith('.') || p === 'node_modules')
      },
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
    for (const fn of this.dependents(path, isFunctionFile(rel)))
      changed = (await this.rescan(fn, true)) || changed
    if (changed) this.rebuild()
  }

  /**
   * Functions built from `path` besides itself. A function that failed to load is retried on any
   * change to a file that is not a function: its error may lie in a module it was about to import.
   */
  private dependents(path: string, isFunction: boolean): string[] {
    const out: string[] = []
    for (const [fn, slot] of this.slots) {
      if (fn === path) continue
      const inputs = this.inputs.get(fn)
      if (inputs?.includes(path) || (slot.failure && !isFunction && inputs)) out.push(fn)
    }
    return out
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
      this.inputs.delete(file)
      forgetBundle(file)
      this.retire(old)
      if (log) this.options.logger.info(`removed ${old.routes.join(', ')}`, { fn: old.name })
      return true
    }
    const outcome = await scanFile(this.dir, file)
    // A failed bundle keeps the inputs of its last good build, so fixing one of them reloads it.
    if (outcome.inputs) this.inputs.set(file, outcome.inputs)
    else if ('failure' in outcome && !this.inputs.has(file) && isBundled(file))
      this.inputs.set(file, [file])
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
        this.inputs.delete(file)
        forgetBundle(file)
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
    for (const listener of this.listeners) listener()
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
