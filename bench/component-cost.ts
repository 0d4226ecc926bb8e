/**
 * What one request costs a C component in-process (no sockets, no pool), beside the WAGI C
 * handler (wagi-c, a fresh core instance per request) doing the same hello: each function's
 * `invoke`, its answer checked first, the functions taking turns round by round so machine load
 * falls on all of them alike. Medians and means of N rounds, in ms, and each median over wagi-c's.
 *
 *   component-c            fresh: one instance put back after each request (snapshot.ts)
 *   component-c-jco        fresh by jco's instantiation per request, with jco's tasks per import
 *                          call (the way without a snapshot, and without lean calls)
 *   component-c-shared     isolation: "shared"
 *
 * Then where a fresh component's time goes: jco's instantiation, the first handle on a new
 * instance; and a fresh request's invoke split into a handle on an instance in use (beside the
 * same handle with jco's task and subtask per import call, which the lean calls of patch.ts skip),
 * a restore, and the rest.
 *
 *   node --import tsx bench/component-cost.ts [N]
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { resolveConfig } from '../host/config.js'
import { packageRoot } from '../host/paths.js'
import type { HttpInvocation } from '../host/invocation.js'
import { discardLog } from '../host/observe/invocation-log.js'
import { ComponentFunction } from '../host/sandbox/component/component-function.js'
import { compileCores } from '../host/sandbox/component/core.js'
import { createComponentDriver } from '../host/sandbox/component/driver.js'
import { SyncFetcher } from '../host/sandbox/component/fetch-sync.js'
import { instantiate, loadInstantiate } from '../host/sandbox/component/instance.js'
import { Snapshot } from '../host/sandbox/component/snapshot.js'
import { prepareComponent } from '../host/sandbox/component/transpile.js'
import { IncomingRequest, ResponseOutparam } from '../host/sandbox/component/wasi/http.js'
import { wasiImports } from '../host/sandbox/component/wasi/imports.js'
import { wasiDriver } from '../host/sandbox/wasi/driver.js'
import type { LoadedFunction } from '../host/sandbox/types.js'
import { StderrLog } from '../host/sandbox/wasi/stdio.js'
import type { FunctionSpec, SandboxKind } from '../host/types.js'
import { EXAMPLE_WASM } from './fixtures.js'

const rounds = Number(process.argv[2] ?? 1000)
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!
const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length
const ms = (x: number) => x.toFixed(3)

const inv: HttpInvocation = {
  type: 'http',
  method: 'GET',
  url: 'http://localhost/hello',
  path: '/hello',
  query: '',
  route: '/hello',
  params: {},
  headers: [],
  body: null,
  requestId: 'bench',
}

function spec(name: string, kind: SandboxKind, source: Uint8Array, config = {}): FunctionSpec {
  const resolved = resolveConfig(config, join(packageRoot, `${name}.wasm`))
  delete resolved.route
  return { name, file: name, kind, routes: ['/hello'], config: resolved, source, version: name }
}

const signal = new AbortController().signal
const options = () => ({ deadline: Date.now() + 10_000, signal, log: discardLog })

async function answer(fn: LoadedFunction): Promise<string> {
  const { body } = await fn.invoke(inv, options())
  if (body !== null && !(body instanceof Uint8Array)) throw new Error('a streamed body')
  return new TextDecoder().decode(body ?? new Uint8Array())
}

/** The functions take turns, one request each per round; medians against the first one's. */
async function timeTurns(functions: Record<string, LoadedFunction>): Promise<void> {
  const times = new Map(Object.keys(functions).map((k) => [k, [] as number[]]))
  for (let i = 0; i < rounds; i++)
    for (const [name, fn] of Object.entries(functions)) {
      const t = performance.now()
      await fn.invoke(inv, options())
      times.get(name)!.push(performance.now() - t)
    }
  const [first, base] = [...times].map(([name, t]) => [name, median(t)] as const)[0]!
  process.stdout.write(`per request, ${rounds} rounds (ms): median, mean, median/${first}\n`)
  for (const [name, t] of times)
    process.stdout.write(
      `  ${name.padEnd(20)} ${ms(median(t))}  ${ms(mean(t))}  ${(median(t) / base).toFixed(2)}x\n`,
    )
}

const cache = await mkdtemp(join(tmpdir(), 'fnhost-component-cost-'))
try {
  const wagi = await readFile(join(packageRoot, EXAMPLE_WASM['wagi-c'].path))
  const bytes = await readFile(join(packageRoot, EXAMPLE_WASM['component-c'].path))
  const driver = createComponentDriver({ cacheDir: cache })
  const outgoing = { fetcher: new SyncFetcher(undefined), maxSubrequests: 0 }
  const transpiled = await prepareComponent(bytes, cache)
  const cores = await compileCores(transpiled, 128)
  const run = await loadInstantiate(transpiled)
  const jcoSpec = spec('component-c-jco', 'component', bytes)
  const functions: Record<string, LoadedFunction> = {
    'wagi-c': await wasiDriver.load(spec('wagi-c', 'wasi', wagi)),
    'component-c': await driver.load(spec('component-c', 'component', bytes)),
    'component-c-jco': new ComponentFunction(jcoSpec, run, cores, outgoing, false),
    'component-c-shared': await driver.load(
      spec('component-c-shared', 'component', bytes, { isolation: 'shared' }),
    ),
  }
  const expected = { 'wagi-c': EXAMPLE_WASM['wagi-c'].body }
  for (const [name, fn] of Object.entries(functions)) {
    const want = name === 'wagi-c' ? expected['wagi-c'] : EXAMPLE_WASM['component-c'].body
    const got = await answer(fn)
    if (got !== want) throw new Error(`${name} answered ${JSON.stringify(got)}, not ${want}`)
  }
  // jco's instantiation per request makes new classes each time, and the glue's shared code
  // then sees many shapes: the functions that keep one instance are timed first, without it.
  const turns = (names: string[]) =>
    timeTurns(Object.fromEntries(names.map((name) => [name, functions[name]!])))
  await turns(['wagi-c', 'component-c', 'component-c-shared'])
  await turns(['wagi-c', 'component-c-jco'])

  const log = { write: () => {}, full: false }
  const current = {
    ...{ log, stdout: new StderrLog(log), stderr: new StderrLog(log) },
    ...{ env: [], args: [], deadline: Infinity, subrequests: 0 },
  }
  const imports = wasiImports(() => current, outgoing)
  const plan = cores.capped!.plan
  const memory = () =>
    new WebAssembly.Memory({ initial: plan.initialPages, maximum: plan.maximumPages })
  // A kept instance with the lean import calls a fresh component uses (patch.ts), and one with
  // jco's task and subtask per import call: the difference is what that bookkeeping costs.
  const reused = instantiate(run, cores, imports, memory(), true)
  const tasked = instantiate(run, cores, imports, memory(), false)
  const snapshots = [reused, tasked].map((i) => new Snapshot(i.parts!, cores.writesTables))
  const parts = { instantiate: [] as number[], first: [] as number[] }
  const steady = {
    ...{ invoke: [] as number[], handle: [] as number[] },
    ...{ tasked: [] as number[], restore: [] as number[] },
  }
  const component = functions['component-c']!
  for (let i = 0; i < rounds; i++) {
    let t = performance.now()
    await component.invoke(inv, options())
    steady.invoke.push(performance.now() - t)
    t = performance.now()
    const fresh = instantiate(run, cores, imports, memory(), true)
    parts.instantiate.push(performance.now() - t)
    t = performance.now()
    fresh.handler.handle(new IncomingRequest(inv), new ResponseOutparam())
    parts.first.push(performance.now() - t)
    t = performance.now()
    reused.handler.handle(new IncomingRequest(inv), new ResponseOutparam())
    steady.handle.push(performance.now() - t)
    t = performance.now()
    if (!snapshots[0]!.restore()) throw new Error('the instance could not be restored')
    steady.restore.push(performance.now() - t)
    t = performance.now()
    tasked.handler.handle(new IncomingRequest(inv), new ResponseOutparam())
    steady.tasked.push(performance.now() - t)
    if (!snapshots[1]!.restore()) throw new Error('the instance could not be restored')
  }
  const invoke = median(steady.invoke)
  const [handle, restore] = [median(steady.handle), median(steady.restore)]
  process.stdout.write(
    `where it goes, medians (ms): jco instantiation ${ms(median(parts.instantiate))}, ` +
      `first handle on a new instance ${ms(median(parts.first))}\n` +
      `a fresh component-c request ${ms(invoke)}: handle on the restored instance ${ms(handle)} ` +
      `(guest, glue and host imports; ${ms(median(steady.tasked))} with jco's task and subtask ` +
      `per import call), restore (${plan.initialPages} pages) ${ms(restore)}, ` +
      `the rest (request and response objects, log, settling) ${ms(invoke - handle - restore)}\n`,
  )
  for (const fn of Object.values(functions)) await fn[Symbol.asyncDispose]()
} finally {
  await rm(cache, { recursive: true, force: true })
}
