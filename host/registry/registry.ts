import { stat } from 'node:fs/promises'
import { extname, relative, resolve, sep } from 'node:path'
import { forgetBundle, warmBundler } from '../bundle/index.js'
import type { LimitDefaults, ResolvedConfig } from '../config.js'
import { FnhostError } from '../errors.js'
import type { Logger } from '../observe/log.js'
import { FUNCTION_EXTENSIONS, isFunctionFile, sidecarOf } from '../routing/names.js'
import { matchRequestPath, type PathMatch } from '../routing/request-path.js'
import { Router } from '../routing/router.js'
import { PathError } from '../routing/segments.js'
import type { FunctionInspector, FunctionLoader } from '../sandbox/types.js'
import { listFunctionFiles } from './files.js'
import { FolderWatch } from './folder-watch.js'
import { lstatOrNothing } from './read-regular.js'
import { scanFile } from './scan.js'
import { FunctionSources } from './sources.js'
import { PendingVersions } from './pending.js'
import { routeTable } from './route-table.js'
import { Slot } from './slot.js'
import { phaseMark } from '../observe/phase-marks.js'
import { traceStart } from '../observe/start-trace.js'

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
  /** Config every function gets over its own (`fnhost invoke --board`). */
  overrides?: Partial<ResolvedConfig>
}

/** Files read and checked at once while the registry starts. */
const START_SCANS_IN_FLIGHT = 8

/**
 * How long after a watching host starts the bundling thread and esbuild's process are started (if
 * no bundled function started them already): after the first answers of a folder of plain files,
 * before most first edits.
 */
const WARM_BUNDLER_AFTER_MS = 1000

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
  /** The folder's watch, when the registry follows changes. */
  private readonly folder?: FolderWatch
  private updates: Promise<void> = Promise.resolve()
  private readonly retiring = new Set<Promise<void>>()
  private disposed = false
  private warming?: NodeJS.Timeout
  private readonly listeners = new Set<() => void>()
  /** What each function was last read and built from. */
  private readonly sources: FunctionSources
  /** New versions loading before they replace a good one, and failures waiting to settle. */
  private readonly pending = new PendingVersions((slot) => this.retire(slot))

  constructor(private readonly options: RegistryOptions) {
    this.dir = resolve(options.dir)
    this.sources = new FunctionSources(this.dir)
    if (options.watch)
      this.folder = new FolderWatch(this.dir, {
        path: (path) => this.enqueue(() => this.onFileEvent(path)),
        recheck: (path) => this.enqueue(() => this.onRecheck(path)),
        removedDir: (path) => this.enqueue(async () => this.removeUnder(path)),
        error: (message) => this.options.logger.error(message),
      })
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
    // A file written later is bundled without first waiting for the thread and esbuild to start;
    // started a moment after the start, so a folder of plain files answers first without them.
    if (this.options.watch) {
      this.warming = setTimeout(warmBundler, WARM_BUNDLER_AFTER_MS)
      this.warming.unref()
    }
    const files =
      this.options.files ?? (await listFunctionFiles(this.dir, (path) => this.skipLink(path)))
    const scanned = this.scanAll(files)
    // The watcher starts alongside the first scan (its own crawl of the folder costs as much as
    // a small scan); what it sees meanwhile waits in the update queue until the scan is done.
    this.updates = scanned.catch(() => undefined)
    const outcomes = await Promise.allSettled([scanned, this.folder?.start()])
    const failed = outcomes.find((o) => o.status === 'rejected')
    if (failed) {
      await this.folder?.close()
      throw failed.reason
    }
  }

  private async scanAll(files: string[]): Promise<void> {
    // Several files in flight at once, so reading and checking them (in a worker) overlap.
    const queue = [...files]
    const scanNext = async (): Promise<void> => {
      for (let file = queue.shift(); file !== undefined; file = queue.shift())
        await this.rescan(file, false)
    }
    await Promise.all(Array.from({ length: START_SCANS_IN_FLIGHT }, scanNext))
    this.rebuild()
    traceStart('scanned')
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

  /** The function serving a raw request path, if any; a path trick is a 400 BAD_REQUEST. */
  match(rawPath: string): PathMatch<Slot> | undefined {
    try {
      return matchRequestPath(this.router, rawPath)
    } catch (e) {
      if (e instanceof PathError) throw new FnhostError('BAD_REQUEST', e.message)
      throw e
    }
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
      // Checked before it was written: swapped in at once, without the settle window of a watched change.
      for (const file of files) changed = (await this.rescan(file, true, true)) || changed
      if (changed) this.rebuild()
      return result
    })
    this.updates = run.then(
      () => undefined,
      () => undefined,
    )
    return run
  }

  /** Called after every swap of the route table (the scheduler re-plans, log rings follow). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** The function read from `file`, failed or not. */
  slotOf(file: string): Slot | undefined {
    return this.slots.get(file)
  }

  private enqueue(task: () => Promise<void>): void {
    this.updates = this.updates.then(task).catch((e) => {
      this.options.logger.error(`applying a change in ${this.dir} failed: ${(e as Error).message}`)
    })
  }

  /**
   * A file looked at again after its last event (FolderWatch): a function file whose bytes are
   * those its last scan read is not scanned again (which, for a bundle written moments before
   * its build, meant a second build: the bundle cache cannot trust file times that recent), and
   * the next file written waits for none of that; the functions built from it are, as always.
   */
  private async onRecheck(path: string): Promise<void> {
    if (this.disposed) return
    return this.onFileEvent(path, !(await this.sources.unchanged(path)))
  }

  /** `itself`: whether the file is scanned again, not only the functions built from it. */
  private async onFileEvent(path: string, itself = true): Promise<void> {
    if (this.disposed) return
    const rel = relative(this.dir, path)
    let changed = false
    if (itself && extname(path) === '.json') {
      for (const ext of FUNCTION_EXTENSIONS) {
        const fn = path.slice(0, -'.json'.length) + ext
        if (sidecarOf(fn) === path && this.slots.has(fn))
          changed = (await this.rescan(fn, true)) || changed
      }
    } else if (itself && isFunctionFile(rel)) {
      changed = await this.rescan(path, true)
    }
    const functions = [...this.slots].map(([fn, slot]): [string, boolean] => [fn, !!slot.failure])
    for (const fn of this.sources.dependents(path, isFunctionFile(rel), functions))
      changed = (await this.rescan(fn, true)) || changed
    if (changed) this.rebuild()
  }

  /** A symbolic link where a function file or folder would be: never followed, said once in the log. */
  private skipLink(path: string): void {
    const rel = relative(this.dir, path)
    this.options.logger.warn(
      `${rel} is a symbolic link; fnhost never follows links in the functions folder, so it is not served`,
    )
  }

  /**
   * Re-reads one file; returns whether the served version changed. A watched change to a function
   * that serves well is swapped in only once the new version has loaded (or has settled, failing).
   */
  private async rescan(file: string, log: boolean, settled = false): Promise<boolean> {
    const info = lstatOrNothing(file)
    if (info?.isSymbolicLink()) this.skipLink(file)
    const exists = info?.isFile() ?? false
    const old = this.slots.get(file)
    if (!exists) {
      this.pending.drop(file)
      if (!old) {
        this.sources.forget(file)
        return false
      }
      this.forget(file, old)
      if (log) this.options.logger.info(`removed ${old.routes.join(', ')}`, { fn: old.name })
      return true
    }
    phaseMark('scan:start', file)
    const outcome = await scanFile(this.dir, file, this.options.inspector, this.options.defaults)
    phaseMark('scan:done', file)
    const inputs = this.sources.record(file, outcome)
    if (inputs) this.folder?.follow(inputs)
    const overrides = this.options.overrides
    if (overrides && 'spec' in outcome)
      outcome.spec.config = { ...outcome.spec.config, ...overrides }
    const slot = 'spec' in outcome ? Slot.fromSpec(outcome.spec) : Slot.fromFailure(outcome.failure)
    if (old && old.version === slot.version) return false
    if (this.pending.holds(file, slot.version)) return false
    this.pending.drop(file)
    if (log && !settled && old?.spec) {
      if (slot.failure) this.settleLater(file)
      else
        this.pending.load(file, slot, this.loader, (problem) =>
          this.enqueue(async () => this.preloaded(file, slot, problem)),
        )
      return false
    }
    this.slots.set(file, slot)
    if (old) this.retire(old)
    // A bundle takes its sandbox tens of milliseconds to compile (QuickJS parses every byte of
    // it): a bundled function that appears while the host runs starts loading now, so its first
    // request finds it loading or loaded. A load that fails is remembered by the slot, as if a
    // request had made it; an idle preloaded sandbox is evicted like any other.
    if (log && slot.spec?.sourceMap !== undefined) void slot.preload(this.loader)
    if ('failure' in outcome)
      this.options.logger.error(`failed to load: ${outcome.failure.detail}`, { fn: slot.name })
    else if (log)
      this.options.logger.info(`${old ? 'updated' : 'added'} ${slot.routes.join(', ')}`, {
        fn: slot.name,
      })
    return true
  }

  /** A new version finished loading ahead: it replaces the old one, or fails and settles. */
  private preloaded(file: string, slot: Slot, problem: string | undefined): void {
    if (this.disposed || !this.pending.take(file, slot)) return
    if (problem) {
      this.retire(slot)
      this.settleLater(file)
      return
    }
    const old = this.slots.get(file)
    this.slots.set(file, slot)
    if (old) this.retire(old)
    this.options.logger.info(`updated ${slot.routes.join(', ')}`, { fn: slot.name })
    this.rebuild()
  }

  /** Reads the file again once it has had time to settle, and then serves what it holds. */
  private settleLater(file: string): void {
    this.pending.settleLater(file, () =>
      this.enqueue(async () => {
        if (!this.disposed && (await this.rescan(file, true, true))) this.rebuild()
      }),
    )
  }

  private removeUnder(dirPath: string): void {
    let changed = false
    for (const [file, slot] of this.slots) {
      if (file.startsWith(dirPath + sep)) {
        this.forget(file, slot)
        changed = true
      }
    }
    if (changed) this.rebuild()
  }

  /** A function file gone: its version leaves the table (at the next rebuild) and is retired. */
  private forget(file: string, slot: Slot): void {
    this.slots.delete(file)
    this.sources.forget(file)
    forgetBundle(file)
    this.retire(slot)
  }

  private retire(slot: Slot): void {
    const done = slot.retire().finally(() => this.retiring.delete(done))
    this.retiring.add(done)
  }

  /** Builds the route table from scratch and swaps it in (routeTable). */
  private rebuild(): void {
    this.router = new Router(routeTable(this.slots.values(), this.dir, this.options.logger))
    phaseMark('listed')
    for (const listener of this.listeners) listener()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.disposed) return
    this.disposed = true
    await this.folder?.close()
    clearTimeout(this.warming)
    this.pending.stopTimers()
    await this.updates
    for (const slot of [...this.slots.values(), ...this.pending.takeAll()]) this.retire(slot)
    this.slots.clear()
    this.router = new Router([])
    await Promise.all(this.retiring)
  }
}
