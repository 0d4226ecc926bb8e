import { watch, type FSWatcher } from 'chokidar'
import { relative } from 'node:path'
import { phaseMark } from '../observe/phase-marks.js'
import { unwatchedPath } from '../routing/names.js'

/** Past chokidar's 50 ms change throttle. */
export const RECHECK_AFTER_MS = 75

export interface FolderWatchEvents {
  /** A file was added, changed or deleted. */
  path(path: string): void
  /** RECHECK_AFTER_MS after the last `path` of a file: it may have changed again unseen. */
  recheck(path: string): void
  /** A folder was deleted with everything in it. */
  removedDir(path: string): void
  error(message: string): void
}

/**
 * The functions folder as chokidar watches it: never following links, skipping what is never a
 * route (`_` names, node_modules, ...) except the files added with `follow` (the package files a
 * bundle was built from), and saying every path again once chokidar's throttle has passed.
 */
export class FolderWatch {
  private watcher?: FSWatcher
  private readonly rechecks = new Map<string, NodeJS.Timeout>()
  /** Files inside skipped paths that functions were built from: watched one by one. */
  private readonly followed = new Set<string>()
  private closed = false

  constructor(
    private readonly dir: string,
    private readonly events: FolderWatchEvents,
  ) {}

  /** Resolves once chokidar has crawled the folder. */
  async start(): Promise<void> {
    const watcher = watch(this.dir, {
      ignoreInitial: true,
      // The same rule as at startup: a link is never followed (it is reported and skipped).
      followSymlinks: false,
      ignored: (path) => unwatchedPath(relative(this.dir, path)) && !this.followed.has(path),
    })
    if (this.followed.size) watcher.add([...this.followed])
    const onPath = (path: string) => {
      phaseMark('watch:event', path)
      this.events.path(path)
      this.recheckLater(path)
    }
    watcher.on('add', onPath).on('change', onPath).on('unlink', onPath)
    watcher.on('unlinkDir', (path) => this.events.removedDir(path))
    watcher.on('error', (e) => this.events.error(`watching ${this.dir} failed: ${String(e)}`))
    // Set before it is ready: inputs followed meanwhile are added to it.
    this.watcher = watcher
    await new Promise<void>((ready) => watcher.once('ready', ready))
  }

  /** Watches the inputs the folder's watch skips (package files a function was built from). */
  follow(inputs: string[]): void {
    const added = inputs.filter(
      (input) => !this.followed.has(input) && unwatchedPath(relative(this.dir, input)),
    )
    for (const input of added) this.followed.add(input)
    if (added.length) this.watcher?.add(added)
  }

  /**
   * chokidar drops a second 'change' of a path within 50 ms of the first (a leading-edge throttle),
   * so a quick second write would never be seen: say the path again once that window has passed.
   */
  private recheckLater(path: string): void {
    clearTimeout(this.rechecks.get(path))
    const timer = setTimeout(() => {
      this.rechecks.delete(path)
      if (!this.closed) this.events.recheck(path)
    }, RECHECK_AFTER_MS)
    this.rechecks.set(path, timer)
  }

  async close(): Promise<void> {
    this.closed = true
    for (const timer of this.rechecks.values()) clearTimeout(timer)
    this.rechecks.clear()
    await this.watcher?.close()
  }
}
