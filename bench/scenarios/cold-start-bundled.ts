import { cp } from 'node:fs/promises'
import { join } from 'node:path'
import { bundleFile } from '../../host/bundle/bundle.js'
import { packageRoot } from '../../host/paths.js'
import { get, WrongAnswerError } from '../answer.js'
import type { Files } from '../fixtures.js'
import { sleep } from '../stats.js'

/**
 * Entries in the generated package: with Hono, a bundle of a little over 500 KB (514 KB; fnhost
 * bundles without whitespace, so this took 10,000 entries before it did).
 */
const TABLE_ENTRIES = 13_300

/**
 * A package of generated data (`bench-table`), standing in for the bulk of a real dependency
 * tree, so the bundled function is ~500 KB of JavaScript: the size the cold-start goal is
 * checked at.
 */
function tablePackage(): Files {
  const rows = []
  for (let i = 0; i < TABLE_ENTRIES; i++)
    rows.push(`  { id: ${i}, word: 'word-${i.toString(36)}', weight: ${(i * 7919) % 1000} },`)
  return {
    'node_modules/bench-table/package.json': JSON.stringify({
      name: 'bench-table',
      type: 'module',
      exports: { '.': './index.js' },
    }),
    'node_modules/bench-table/index.js': [
      'export const TABLE = [',
      ...rows,
      ']',
      'export const word = (i) => TABLE[i % TABLE.length].word',
    ].join('\n'),
  }
}

/** What a bundled function named `name` answers. */
export const bundledAnswer = (name: string) => `${name} word-7 ${TABLE_ENTRIES}\n`

/** A TypeScript function importing two npm packages: Hono and the generated table. */
export function bundledSource(name: string): string {
  return [
    "import { Hono } from 'hono'",
    "import { TABLE, word } from 'bench-table'",
    '',
    'const app = new Hono()',
    `app.get('*', (c) => c.text(\`${name} \${word(7)} \${TABLE.length as number}\\n\`))`,
    '',
    'export default app',
    '',
  ].join('\n')
}

/**
 * Prepares a served folder for bundled functions: the generated package, and Hono copied from
 * fnhost's own node_modules (a symlink would resolve outside the folder, which the bundler
 * refuses).
 */
export async function prepareBundledFolder(
  dir: string,
  write: (files: Files) => Promise<void>,
): Promise<number> {
  await write(tablePackage())
  await cp(join(packageRoot, 'node_modules/hono'), join(dir, 'node_modules/hono'), {
    recursive: true,
  })
  await write({ '_probe.ts': bundledSource('probe') })
  const bundle = await bundleFile(dir, join(dir, '_probe.ts'), bundledSource('probe'))
  return bundle.code.byteLength
}

/** Polls a just-written bundled function until its first 200; returns ms since `start`. */
export async function firstBundled200(base: string, name: string, start: number): Promise<number> {
  const end = start + 10_000
  while (performance.now() < end) {
    const r = await get(`${base}/${name}`)
    if (r.status === 200) {
      if (r.body !== bundledAnswer(name))
        throw new WrongAnswerError(`/${name} answered ${JSON.stringify(r.body)}`)
      return performance.now() - start
    }
    await sleep(1)
  }
  throw new WrongAnswerError(`/${name} did not answer 200 within 10 s of its file being written`)
}
