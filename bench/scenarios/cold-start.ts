import { rename, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { get, HELLO, WrongAnswerError } from '../answer.js'
import { startFnhost } from '../children.js'
import { benchFunction, writeFiles, type Workspace } from '../fixtures.js'
import type { Settings } from '../settings.js'
import { median, round, sleep, summarize, type Summary } from '../stats.js'
import { bundledSource, firstBundled200, prepareBundledFolder } from './cold-start-bundled.js'

export interface ColdStartResult {
  /** Writing a new function file into a served folder until its first 200. */
  newFileToFirst200: Summary
  /** First request to a function the registry lists but has not run yet, and warm ones after it. */
  firstRequest: Summary
  warmRequest: Summary
  /** Median first request minus median warm request. */
  firstRequestPenaltyMs: number
  /** Spawning `fnhost serve` until the first 200 from one of its functions. */
  processStartToFirst200: Summary
  /** A new .ts file importing Hono and a generated package (bundle ~500 KB) until its first 200. */
  bundledNewFileToFirst200: Summary
  bundledBytes: number
}

const source = (body: string) =>
  `export default { fetch: () => new Response(${JSON.stringify(body)}) }\n`

/**
 * A plain write can be seen half done (an empty file, listed as a load failure until the change
 * event after it); a function written under a dot-name, which the registry ignores, and renamed
 * into place is listed once, whole, as the first-request figure needs.
 */
async function writeAtomically(path: string, content: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.tmp`)
  await writeFile(temp, content)
  await rename(temp, path)
}

/** Polls until the registry lists `count` functions, without touching any of them. */
async function waitForFunctions(base: string, count: number, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    const health = JSON.parse((await get(`${base}/_fnhost/health`)).body) as { functions: number }
    if (health.functions >= count) return
    await sleep(1)
  }
  throw new WrongAnswerError(`the registry did not list ${count} functions within ${timeoutMs} ms`)
}

async function newFileToFirst200(dir: string, base: string, name: string): Promise<number> {
  const body = `${name}\n`
  const start = performance.now()
  await writeFile(join(dir, `${name}.js`), source(body))
  const end = start + 10_000
  while (performance.now() < end) {
    const r = await get(`${base}/${name}`)
    if (r.status === 200) {
      if (r.body !== body)
        throw new WrongAnswerError(
          `/${name} answered ${JSON.stringify(r.body)}, expected ${JSON.stringify(body)}`,
        )
      return performance.now() - start
    }
    await sleep(1)
  }
  throw new WrongAnswerError(`/${name} did not answer 200 within 10 s of its file being written`)
}

async function processStart(ws: Workspace, run: number): Promise<number> {
  const dir = await ws.folder(`process-start-${run}`, {
    'js-trivial.js': await benchFunction('js-trivial.js'),
  })
  const start = performance.now()
  const server = await startFnhost(dir)
  try {
    const r = await get(`${server.url}/js-trivial`)
    if (r.status !== 200 || r.body !== HELLO)
      throw new WrongAnswerError(`/js-trivial answered ${r.status} ${JSON.stringify(r.body)}`)
    return performance.now() - start
  } finally {
    await server.stop()
  }
}

/**
 * Writes a function whole, waits until the registry lists `listed` functions, then times its
 * first request (which loads the sandbox) and the median of the 10 after it.
 */
async function firstAndWarm(
  dir: string,
  base: string,
  name: string,
  listed: number,
): Promise<{ first: number; warm: number }> {
  await writeAtomically(join(dir, `${name}.js`), source(`${name}\n`))
  await waitForFunctions(base, listed)
  const url = `${base}/${name}`
  const warm: number[] = []
  let first = 0
  for (let j = 0; j <= 10; j++) {
    const r = await get(url)
    if (r.status !== 200 || r.body !== `${name}\n`)
      throw new WrongAnswerError(`/${name} answered ${r.status} ${JSON.stringify(r.body)}`)
    if (j === 0) first = r.ms
    else warm.push(r.ms)
  }
  return { first, warm: median(warm) }
}

/** Writes new bundled TypeScript functions into a served folder and times each first 200. */
async function measureBundled(ws: Workspace, runs: number) {
  const dir = await ws.folder('cold-start-bundled', {})
  const bundledBytes = await prepareBundledFolder(dir, (files) => writeFiles(dir, files))
  const server = await startFnhost(dir)
  const times: number[] = []
  try {
    for (let i = 0; i < runs; i++) {
      const name = `bundled-${i}`
      const start = performance.now()
      await writeFile(join(dir, `${name}.ts`), bundledSource(name))
      times.push(await firstBundled200(server.url, name, start))
    }
  } finally {
    await server.stop()
  }
  return { bundledNewFileToFirst200: summarize(times), bundledBytes }
}

export async function measureColdStart(
  ws: Workspace,
  settings: Settings,
): Promise<ColdStartResult> {
  const dir = await ws.folder('cold-start', {})
  const server = await startFnhost(dir)
  const runs = settings.coldStartRuns
  const newFile: number[] = []
  const first: number[] = []
  const warm: number[] = []
  try {
    for (let i = 0; i < runs; i++)
      newFile.push(await newFileToFirst200(dir, server.url, `new-${i}`))
    for (let i = 0; i < runs; i++) {
      const r = await firstAndWarm(dir, server.url, `first-${i}`, runs + i + 1)
      first.push(r.first)
      warm.push(r.warm)
    }
  } finally {
    await server.stop()
  }
  const starts: number[] = []
  for (let i = 0; i < settings.processStartRuns; i++) starts.push(await processStart(ws, i))
  const bundled = await measureBundled(ws, runs)
  return {
    ...bundled,
    newFileToFirst200: summarize(newFile),
    firstRequest: summarize(first),
    warmRequest: summarize(warm),
    firstRequestPenaltyMs: round(median(first) - median(warm)),
    processStartToFirst200: summarize(starts),
  }
}

/** The correctness half of each figure: a new file, a listed one, and a fresh process, each answering. */
export async function checkColdStart(ws: Workspace): Promise<void> {
  const dir = await ws.folder('cold-start-check', {})
  const server = await startFnhost(dir)
  try {
    await newFileToFirst200(dir, server.url, 'new-check')
    await firstAndWarm(dir, server.url, 'first-check', 2)
  } finally {
    await server.stop()
  }
  await processStart(ws, 0)
  await measureBundled(ws, 1)
}
