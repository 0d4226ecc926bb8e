import { randomBytes } from 'node:crypto'
import { mkdir, open, readdir, readFile, realpath, rename, rm } from 'node:fs/promises'
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { FnhostError } from '../errors.js'
import type { Logger } from '../observe/log.js'

/**
 * Crash-safe changes to the functions folder. A deploy touches up to three files (the function,
 * its sidecar, an old file of another kind); a rename is atomic for one file only. So: every new
 * file is written to a temporary name in its own folder and fsynced, then a journal listing the
 * renames and removals is committed (itself by rename), then applied, then dropped. A host killed
 * at any point finds on restart either no journal (the old version, temporaries are deleted) or a
 * committed one, which it applies again (the new version): never a mix, never neither.
 */

export type FileChange = { write: string; bytes: Uint8Array } | { remove: string }

type JournalStep = { from: string; to: string } | { remove: string }

/** Names the registry never reads: dot-prefixed files and folders are not functions. */
const JOURNAL_DIR = '.fnhost-journal'
const TMP_PREFIX = '.fnhost-tmp-'

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

async function writeSynced(path: string, bytes: Uint8Array): Promise<void> {
  const handle = await open(path, 'wx', 0o644)
  try {
    await handle.writeFile(bytes)
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/**
 * A symlinked folder must not carry a write outside the functions folder: the deepest existing
 * ancestor of `folder`, symlinks resolved, must be the folder or lie below it.
 */
async function checkInsideReally(dir: string, folder: string): Promise<void> {
  const root = await realpath(dir)
  for (let at = folder; ; at = dirname(at)) {
    const real = await realpath(at).catch(() => undefined)
    if (real === undefined && at !== dirname(at)) continue
    if (real === root || (real !== undefined && inside(root, real))) return
    throw new FnhostError(
      'BAD_REQUEST',
      `${relative(dir, folder)} lies outside the functions folder`,
    )
  }
}

/** Whether `path` lies below `dir` (journal entries are checked before they are trusted). */
function inside(dir: string, path: string): boolean {
  const rel = relative(dir, path)
  return rel !== '' && !isAbsolute(rel) && rel.split(sep)[0] !== '..'
}

/** Called between the stages of a commit; the crash tests throw from it to stop one midway. */
export type StageHook = (stage: string) => void

async function applySteps(dir: string, steps: JournalStep[], hook?: StageHook): Promise<void> {
  const touched = new Set<string>()
  for (const [i, step] of steps.entries()) {
    hook?.(`step ${i}`)
    if ('remove' in step) {
      const target = resolve(dir, step.remove)
      if (!inside(dir, target)) continue
      await rm(target, { force: true })
      touched.add(dirname(target))
      continue
    }
    const from = resolve(dir, step.from)
    const to = resolve(dir, step.to)
    if (!inside(dir, from) || !inside(dir, to)) continue
    try {
      await rename(from, to)
    } catch (e) {
      // Applied before the crash: the temporary is gone and the file is in place.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
    }
    touched.add(dirname(to))
  }
  for (const folder of touched) await fsyncPath(folder)
}

/** Applies `changes` to files below `dir` as one crash-safe step. */
export async function commitChanges(
  dir: string,
  changes: FileChange[],
  hook?: StageHook,
): Promise<void> {
  const id = randomBytes(8).toString('hex')
  const steps: JournalStep[] = []
  const temporaries: string[] = []
  try {
    for (const [i, change] of changes.entries()) {
      if ('remove' in change) {
        steps.push({ remove: relative(dir, change.remove) })
        continue
      }
      await checkInsideReally(dir, dirname(change.write))
      await mkdir(dirname(change.write), { recursive: true })
      const tmp = join(dirname(change.write), `${TMP_PREFIX}${id}-${i}`)
      temporaries.push(tmp)
      await writeSynced(tmp, change.bytes)
      steps.push({ from: relative(dir, tmp), to: relative(dir, change.write) })
    }
  } catch (e) {
    await Promise.all(temporaries.map((t) => rm(t, { force: true })))
    throw e
  }
  hook?.('written')
  const journalDir = join(dir, JOURNAL_DIR)
  await mkdir(journalDir, { recursive: true })
  const journal = join(journalDir, `${id}.json`)
  await writeSynced(journal + '.tmp', new TextEncoder().encode(JSON.stringify(steps)))
  await rename(journal + '.tmp', journal)
  await fsyncPath(journalDir)
  // Committed: from here on, a restart finishes this change.
  await applySteps(dir, steps, hook)
  hook?.('applied')
  await rm(journal)
  await fsyncPath(journalDir)
}

/** Finishes committed changes and deletes uncommitted temporaries; run before the first scan. */
export async function recoverChanges(dir: string, logger: Logger): Promise<void> {
  const journalDir = join(dir, JOURNAL_DIR)
  let names: string[]
  try {
    names = await readdir(journalDir)
  } catch {
    names = []
  }
  for (const name of names.sort()) {
    const path = join(journalDir, name)
    if (name.endsWith('.json')) {
      try {
        const steps = JSON.parse(await readFile(path, 'utf8')) as JournalStep[]
        await applySteps(dir, steps)
        logger.warn(`finished a deploy interrupted by a crash (${name})`)
      } catch (e) {
        logger.error(`could not finish the interrupted deploy ${name}: ${(e as Error).message}`)
        continue
      }
    }
    await rm(path, { force: true })
  }
  let entries
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true })
  } catch {
    return
  }
  for (const e of entries)
    if (e.isFile() && e.name.startsWith(TMP_PREFIX))
      await rm(join(e.parentPath, e.name), { force: true })
}
