import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

export interface TempDir extends AsyncDisposable {
  path: string
  write(rel: string, content: string | Uint8Array): Promise<void>
  remove(rel: string): Promise<void>
}

/**
 * A temporary functions folder holding `files`, alone in a private parent folder (what the host
 * writes beside it, and what a test checks was not written there, is nobody else's); both are
 * removed on dispose.
 */
export async function functionsDir(
  files: Record<string, string | Uint8Array> = {},
): Promise<TempDir> {
  const parent = await mkdtemp(join(tmpdir(), 'fnhost-test-'))
  const path = join(parent, 'functions')
  await mkdir(path)
  const write = async (rel: string, content: string | Uint8Array) => {
    await mkdir(dirname(join(path, rel)), { recursive: true })
    await writeFile(join(path, rel), content)
  }
  for (const [rel, content] of Object.entries(files)) await write(rel, content)
  return {
    path,
    write,
    remove: (rel) => rm(join(path, rel), { recursive: true, force: true }),
    [Symbol.asyncDispose]: () => rm(parent, { recursive: true, force: true }),
  }
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error(`condition not met within ${timeoutMs} ms`)
}
