import { extname } from 'node:path'
import { BUNDLED_EXTENSIONS } from '../bundle/index.js'
import { readFunctionFile, type ScanOutcome } from './scan.js'

const isBundled = (file: string) =>
  (BUNDLED_EXTENSIONS as readonly string[]).includes(extname(file))

/**
 * What each function file was last read from: its bytes, and for a bundled function the files it
 * was built from, so a change to one of them reloads it and an event on an unchanged file does not.
 */
export class FunctionSources {
  /** The files each bundled function was last built from. */
  private readonly inputs = new Map<string, string[]>()
  /** The bytes each function file's last scan read. */
  private readonly scanned = new Map<string, Uint8Array>()

  constructor(private readonly dir: string) {}

  /** Records a scan of `file`; returns the files it was built from when the scan says (to watch). */
  record(file: string, outcome: ScanOutcome): string[] | undefined {
    if (outcome.read) this.scanned.set(file, outcome.read)
    else this.scanned.delete(file)
    // A failed bundle keeps the inputs of its last good build, so fixing one of them reloads it.
    if (outcome.inputs) this.inputs.set(file, outcome.inputs)
    else if ('failure' in outcome && !this.inputs.has(file) && isBundled(file))
      this.inputs.set(file, [file])
    return outcome.inputs
  }

  /** Whether `file` holds the bytes its last scan read. */
  async unchanged(file: string): Promise<boolean> {
    const last = this.scanned.get(file)
    return last !== undefined && (await readFunctionFile(this.dir, file))?.equals(last) === true
  }

  /**
   * Function files built from `path` besides itself, among `functions` (each with whether it failed
   * to load). One that failed is retried on any change to a file that is not a function: its error
   * may lie in a module it was about to import.
   */
  dependents(path: string, isFunction: boolean, functions: Iterable<[string, boolean]>): string[] {
    const out: string[] = []
    for (const [fn, failed] of functions) {
      if (fn === path) continue
      const inputs = this.inputs.get(fn)
      if (inputs?.includes(path) || (failed && !isFunction && inputs)) out.push(fn)
    }
    return out
  }

  forget(file: string): void {
    this.inputs.delete(file)
    this.scanned.delete(file)
  }
}
