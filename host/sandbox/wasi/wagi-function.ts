import { cpuLimitError, FnhostError, memoryLimitError } from '../../errors.js'
import { scheduledAsHttp, type GuestResponse, type Invocation } from '../../invocation.js'
import type { FunctionSpec } from '../../types.js'
import { guestRun, openGate, type GuestGate, type GuestRun } from '../guest-gate.js'
import type { InvokeOptions, LoadedFunction } from '../types.js'
import { parseCgiResponse } from '../wasm/cgi-response.js'
import { guestFailure } from '../wasm/guest-failure.js'
import type { MemoryPlan } from '../wasm/memory-plan.js'
import { MemoryPool } from '../wasm/memory-pool.js'
import { GROW_FAILED_EXPORT } from '../wasm/rewrite.js'
import { EMSCRIPTEN_GROWTH } from './check.js'
import { cgiEnv, requestJson, splitScriptPath, type CgiInput } from './cgi-request.js'
import { parseContextResponse } from './context-response.js'
import { WasiExit } from './errno.js'
import { threadBlockingKv } from '../../kv/blocking.js'
import type { KvGrants } from '../../kv/grants.js'
import { KV_MODULE, kvImports } from './kv-imports.js'
import { preview1Imports, WASI_MODULE } from './preview1.js'
import { WasiRun } from './run.js'
import { STDOUT_CAP_BYTES } from './stdio.js'

const EMPTY = new Uint8Array(0)

/** How one run of `_start` ended. */
interface Outcome {
  exitCode: number
  failure?: unknown
  growFailed: boolean
}

/**
 * A compiled WAGI command. Every request gets a fresh instance over a pooled, zeroed memory; the
 * instance runs `_start` to completion synchronously, so one run is active per thread at a time.
 */
export class WagiFunction implements LoadedFunction {
  private current?: WasiRun
  private readonly imports: WebAssembly.Imports
  private readonly memoryNamespace: WebAssembly.ModuleImports
  private readonly pool: MemoryPool
  private disposed = false

  constructor(
    readonly spec: FunctionSpec,
    private readonly module: WebAssembly.Module,
    private readonly plan: MemoryPlan,
    grants: KvGrants | undefined,
    private readonly gate: GuestGate = openGate,
  ) {
    this.pool = new MemoryPool({ initialPages: plan.initialPages, maximumPages: plan.maximumPages })
    const wasi = preview1Imports(() => this.live())
    const settings = spec.kv
    const kv = kvImports(
      () => this.live().memory,
      grants,
      settings && (() => threadBlockingKv(settings)),
    )
    this.imports = {
      [WASI_MODULE]: wasi,
      [KV_MODULE]: kv,
      [EMSCRIPTEN_GROWTH.module]: { [EMSCRIPTEN_GROWTH.name]: () => {} },
    }
    this.memoryNamespace = this.imports[plan.module] ??= {}
  }

  /** Its pooled memories: a request's instance lives only while the request runs. */
  memoryBytes(): number {
    return this.disposed ? 0 : this.pool.heldBytes
  }

  async invoke(invocation: Invocation, opts: InvokeOptions): Promise<GuestResponse> {
    this.assertLive()
    const inv = invocation.type === 'http' ? invocation : scheduledAsHttp(invocation)
    const body = inv.body ?? EMPTY
    const env = inv.env ? { ...this.spec.config.env, ...inv.env } : this.spec.config.env
    const input: CgiInput = { inv, url: new URL(inv.url), body, env }
    const memory = this.pool.take()
    const run = new WasiRun({
      args: [this.spec.name],
      env: cgiEnv(input, splitScriptPath(inv)),
      stdin: body,
      contextFiles: new Map([['request.json', () => requestJson(input)]]),
      log: opts.log,
      memory,
      memoryCapBytes: this.spec.config.memoryMb * 1024 * 1024,
    })
    let outcome: Outcome
    try {
      outcome = this.execute(run, memory, guestRun(opts))
    } finally {
      run.stderr.flush()
      this.pool.release(memory)
    }
    if (Date.now() > opts.deadline) throw cpuLimitError(this.spec.config.timeoutMs)
    return this.respond(run, outcome)
  }

  private execute(run: WasiRun, memory: WebAssembly.Memory, guest: GuestRun): Outcome {
    this.memoryNamespace[this.plan.name] = memory
    this.current = run
    let instance: WebAssembly.Instance | undefined
    try {
      this.gate.run(guest, () => {
        instance = new WebAssembly.Instance(this.module, this.imports)
        ;(instance.exports._start as () => void)()
      })
      return { exitCode: 0, growFailed: instance ? growFailed(instance) : false }
    } catch (e) {
      const exitCode = e instanceof WasiExit ? e.code : 0
      const failure = e instanceof WasiExit ? undefined : e
      return { exitCode, failure, growFailed: instance ? growFailed(instance) : false }
    } finally {
      this.current = undefined
    }
  }

  private respond(run: WasiRun, outcome: Outcome): GuestResponse {
    const name = this.spec.name
    const failed = outcome.failure !== undefined || outcome.exitCode !== 0
    if (failed && outcome.growFailed) throw memoryLimitError(this.spec.config.memoryMb)
    if (run.stdout.overflowed)
      throw new FnhostError(
        'GUEST_BAD_RESPONSE',
        `function ${name} wrote more than ${STDOUT_CAP_BYTES} bytes to stdout; stream less or write a smaller response`,
      )
    if (outcome.failure !== undefined) throw guestFailure(name, outcome.failure)
    if (outcome.exitCode !== 0)
      throw new FnhostError('GUEST_ERROR', `function ${name} exited with code ${outcome.exitCode}`)
    const fileResponse = run.context.get('response.json')
    if (fileResponse) return parseContextResponse(fileResponse.contents)
    return parseCgiResponse(run.stdout.bytes(), 'stdout')
  }

  private live(): WasiRun {
    if (!this.current) throw new Error('WASI call outside a run')
    return this.current
  }

  private assertLive(): void {
    if (this.disposed) throw new Error(`function ${this.spec.name} was disposed`)
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.disposed = true
    this.pool[Symbol.dispose]()
  }
}

function growFailed(instance: WebAssembly.Instance): boolean {
  const flag = instance.exports[GROW_FAILED_EXPORT]
  return flag instanceof WebAssembly.Global && flag.value === 1
}
