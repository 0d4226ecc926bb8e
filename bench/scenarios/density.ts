import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import { get, WrongAnswerError } from '../answer.js'
import { rssBytes, startFnhost } from '../children.js'
import type { Files, Workspace } from '../fixtures.js'
import type { Settings } from '../settings.js'
import { round, sleep } from '../stats.js'

export interface DensityPoint {
  functions: number
  /** RSS of `fnhost serve` once started, before any function has run. */
  startedRssMiB: number
  /** RSS once every function has answered once (each sandbox loaded) and sits idle. */
  loadedRssMiB: number
  /** Sandbox copies the host holds then, and how many it evicted (from its /_fnhost/metrics). */
  sandboxes: number
  evictions: number
}

export interface DensityResult {
  points: DensityPoint[]
  /** Growth of the loaded RSS per added function between the smallest and largest counts. */
  perFunctionKiB: number
}

const name = (i: number) => `f${String(i).padStart(4, '0')}`

function idleFunctions(count: number): Files {
  const files: Files = {}
  for (let i = 0; i < count; i++)
    files[`fn/${name(i)}.js`] = `export default { fetch: () => new Response('${name(i)}') }\n`
  return files
}

/** Requests every function once, a few at a time, and checks each answers its own body. */
async function touchAll(base: string, count: number): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < count) {
      const i = next++
      const { status, body } = await get(`${base}/fn/${name(i)}`)
      if (status !== 200 || body !== name(i))
        throw new WrongAnswerError(
          `/fn/${name(i)} answered ${status} ${JSON.stringify(body.slice(0, 200))}`,
        )
    }
  }
  await Promise.all(Array.from({ length: 4 }, worker))
}

/** Plain `fnhost serve`: its pool charges each sandbox what it uses, so all of them stay loaded. */
const densityServer = (dir: string) => startFnhost(dir)

/** A number the host reports at /_fnhost/metrics (a metric without labels). */
async function metric(base: string, name: string): Promise<number> {
  const { status, body } = await get(`${base}/_fnhost/metrics`)
  if (status !== 200) throw new WrongAnswerError(`/_fnhost/metrics answered ${status}`)
  const value = parsePrometheusTextFormat(body).find((f) => f.name === name)?.metrics[0]?.value
  if (value === undefined) throw new WrongAnswerError(`/_fnhost/metrics has no ${name}`)
  return Number(value)
}

async function densityPoint(ws: Workspace, count: number): Promise<DensityPoint> {
  const dir = await ws.folder(`density-${count}`, idleFunctions(count))
  const server = await densityServer(dir)
  try {
    await sleep(500)
    const startedRssMiB = rssBytes(server.pid) / 2 ** 20
    await touchAll(server.url, count)
    // Let the collector and the allocator settle: the figure is for idle functions, not a burst.
    await sleep(1000)
    const loadedRssMiB = rssBytes(server.pid) / 2 ** 20
    return {
      functions: count,
      startedRssMiB: round(startedRssMiB, 1),
      loadedRssMiB: round(loadedRssMiB, 1),
      sandboxes: await metric(server.url, 'fnhost_sandboxes'),
      evictions: await metric(server.url, 'fnhost_sandbox_evictions_total'),
    }
  } finally {
    await server.stop()
  }
}

export async function measureDensity(ws: Workspace, settings: Settings): Promise<DensityResult> {
  const points: DensityPoint[] = []
  for (const count of settings.densityCounts) points.push(await densityPoint(ws, count))
  const lo = points[0] as DensityPoint
  const hi = points[points.length - 1] as DensityPoint
  const perFunctionKiB =
    hi.functions > lo.functions
      ? ((hi.loadedRssMiB - lo.loadedRssMiB) * 1024) / (hi.functions - lo.functions)
      : 0
  return { points, perFunctionKiB: round(perFunctionKiB, 1) }
}

/** The correctness half: a few functions, each answering its own body. */
export async function checkDensity(ws: Workspace): Promise<void> {
  const dir = await ws.folder('density-check', idleFunctions(3))
  const server = await densityServer(dir)
  try {
    await touchAll(server.url, 3)
    const loaded = await metric(server.url, 'fnhost_sandboxes')
    if (loaded < 3) throw new WrongAnswerError(`3 functions answered but ${loaded} stay loaded`)
  } finally {
    await server.stop()
  }
}
