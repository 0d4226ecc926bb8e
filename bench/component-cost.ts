/**
 * Where a C component's per-request time goes, in-process (no sockets, no pool): a fresh memory,
 * instantiation through jco's generated JS, the handler call, and a bare core instance of the
 * same module for scale. Medians of N rounds.
 *
 *   node --import tsx bench/component-cost.ts [N]
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { packageRoot } from '../host/paths.js'
import type { HttpInvocation } from '../host/invocation.js'
import { compileCores } from '../host/sandbox/component/core.js'
import { SyncFetcher } from '../host/sandbox/component/fetch-sync.js'
import { instantiate, loadInstantiate } from '../host/sandbox/component/instance.js'
import { prepareComponent } from '../host/sandbox/component/transpile.js'
import { IncomingRequest, ResponseOutparam } from '../host/sandbox/component/wasi/http.js'
import { wasiImports } from '../host/sandbox/component/wasi/imports.js'
import { StderrLog } from '../host/sandbox/wasi/stdio.js'

const rounds = Number(process.argv[2] ?? 300)
const cache = await mkdtemp(join(tmpdir(), 'fnhost-component-cost-'))
try {
  const bytes = await readFile(join(packageRoot, 'wasm/examples/component-hello.wasm'))
  const transpiled = await prepareComponent(bytes, cache)
  const cores = await compileCores(transpiled, 128)
  const plan = cores.capped?.plan
  if (!plan) throw new Error('the example defines no memory')
  const run = await loadInstantiate(transpiled)
  const log = { write: () => {}, full: false }
  const current = {
    log,
    stdout: new StderrLog(log),
    stderr: new StderrLog(log),
    env: [],
    args: [],
    deadline: Infinity,
    subrequests: 0,
  }
  const imports = wasiImports(() => current, {
    fetcher: new SyncFetcher(undefined),
    maxSubrequests: 0,
  })
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
  const times = { memory: [] as number[], instantiate: [] as number[], handle: [] as number[] }
  const reused: number[] = []
  const shared = instantiate(
    run,
    cores,
    imports,
    new WebAssembly.Memory({ initial: plan.initialPages, maximum: plan.maximumPages }),
  )
  for (let i = 0; i < rounds; i++) {
    let t = performance.now()
    const memory = new WebAssembly.Memory({
      initial: plan.initialPages,
      maximum: plan.maximumPages,
    })
    times.memory.push(performance.now() - t)
    t = performance.now()
    const instance = instantiate(run, cores, imports, memory)
    times.instantiate.push(performance.now() - t)
    t = performance.now()
    instance.handler.handle(new IncomingRequest(inv), new ResponseOutparam())
    times.handle.push(performance.now() - t)
    t = performance.now()
    shared.handler.handle(new IncomingRequest(inv), new ResponseOutparam())
    reused.push(performance.now() - t)
  }
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!.toFixed(3)
  process.stdout.write(
    `component-c per request, median of ${rounds} (ms): new memory ${median(times.memory)}, ` +
      `instantiate through the generated JS ${median(times.instantiate)}, ` +
      `first handle on the fresh instance ${median(times.handle)}; ` +
      `handle on a reused instance ${median(reused)}\n`,
  )
} finally {
  await rm(cache, { recursive: true, force: true })
}
