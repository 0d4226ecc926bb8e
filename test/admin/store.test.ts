import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { commitChanges, recoverChanges } from '../../host/admin/store.js'
import { createLogger, type LogLine } from '../../host/observe/log.js'
import { functionsDir, type TempDir } from '../helpers/fsdir.js'

const OLD = { 'f.js': 'old code', 'f.json': '{"env":{"V":"old"}}', 'f.wasm': 'old wasm' }
const NEW = { 'f.js': 'new code', 'f.json': '{"env":{"V":"new"}}' }

class Crash extends Error {}

async function state(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const name = join(e.parentPath, e.name).slice(dir.length + 1)
    if (e.isFile() && !name.includes('.fnhost-journal'))
      out[name] = await readFile(join(dir, name), 'utf8')
  }
  return out
}

describe('crash-safe changes to the functions folder', () => {
  let dir: TempDir
  afterEach(async () => dir?.[Symbol.asyncDispose]())

  // Every point a commit can stop at: after the temporaries, before each rename or removal, after all.
  for (const [stage, expected] of [
    ['written', OLD],
    ['step 0', NEW],
    ['step 1', NEW],
    ['step 2', NEW],
    ['applied', NEW],
  ] as const) {
    it(`a commit stopped at '${stage}' recovers to the ${expected === OLD ? 'old' : 'new'} version, never a mix`, async () => {
      dir = await functionsDir(OLD)
      const changes = [
        { write: join(dir.path, 'f.js'), bytes: new TextEncoder().encode(NEW['f.js']) },
        { write: join(dir.path, 'f.json'), bytes: new TextEncoder().encode(NEW['f.json']) },
        { remove: join(dir.path, 'f.wasm') },
      ]
      await expect(
        commitChanges(dir.path, changes, (s) => {
          if (s === stage) throw new Crash(s)
        }),
      ).rejects.toThrow(Crash)
      const logs: LogLine[] = []
      await recoverChanges(
        dir.path,
        createLogger((l) => logs.push(l)),
      )
      expect(await state(dir.path)).toEqual(expected)
      expect(await readdir(join(dir.path, '.fnhost-journal')).catch(() => [])).toEqual([])
      if (expected === NEW && stage !== 'applied')
        expect(logs.map((l) => l.message)).toEqual([
          expect.stringMatching(/finished a deploy interrupted/),
        ])
    })
  }

  it('a journal that points outside the folder is not followed', async () => {
    dir = await functionsDir({
      outside: 'keep me',
      'fns/f.js': 'code',
      'fns/.fnhost-journal/x.json': JSON.stringify([
        { remove: '../outside' },
        { from: 'f.js', to: '../stolen' },
      ]),
    })
    await recoverChanges(
      join(dir.path, 'fns'),
      createLogger(() => {}),
    )
    expect(await state(dir.path)).toEqual({
      outside: 'keep me',
      'fns/f.js': 'code',
    })
  })
})
