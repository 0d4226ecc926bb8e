import { cpuLimitError, FnhostError, memoryLimitError } from '../../errors.js'
import { scheduledAsHttp, type GuestResponse, type Invocation } from '../../invocation.js'
import type { FunctionSpec } from '../../types.js'
import type { InvokeOptions, LoadedFunction } from '../types.js'
import { STDOUT_CAP_BYTES, StderrLog } from '../wasi/stdio.js'
import { guestFailure } from '../wasm/guest-failure.js'
import { MemoryPool } from '../wasm/memory-pool.js'
import type { CoreModules } from './core.js'
import { instantiate, type ComponentInstance, type loadInstantiate } from './instance.js'
import { Snapshot } from './snapshot.js'
import { IncomingRequest, ResponseOutparam } from './wasi/http.js'
import { ComponentExit, wasiImports, type ComponentRun } from './wasi/imports.js'
import { keyvalueImports, type KeyvalueAccess } from './wasi/keyvalue.js'
import type { OutgoingPolicy } from './wasi/outgoing.js'

type Instantiate = Awaited<ReturnType<typeof loadInstantiate>>

/** An instance in use, with the pooled memory it runs in. */
interface Live {
  instance: ComponentInstance
  memory?: WebAssembly.Memory
  /** Its state right after instantiation, put back after each request (a restorable instance). */
  snapshot?: Snapshot
}

/**
 * A loaded wasi:http component. By default every request gets a fresh instance (the isolation
 * `wasmtime serve` and Spin give); `isolation: "shared"` keeps one instance across requests. An
 * instance that trapped, exited or ran late is never reused.
 *
 * A fresh instance is, when the component allows it (`restorable`: its core modules export their
 * state, it uses no async builtins, jco's glue hands out its resource tables), one instance whose
 * memory, globals, tables and resource tables are put back to their state right after
 * instantiation once each request ends (snapshot.ts): what a new instance would hold, at a
 * fraction of jco's instantiation. Otherwise each request instantiates anew over a pooled, zeroed,
 * capped memory.
 */
export class ComponentFunction implements LoadedFunction {
  private current?: ComponentRun
  private readonly imports: Record<string, Record<string, unknown>>
  private readonly pool?: MemoryPool
  private shared?: Live
  private restored?: Live
  private disposed = false

  constructor(
    readonly spec: FunctionSpec,
    private readonly run: Instantiate,
    private readonly cores: CoreModules,
    outgoing: OutgoingPolicy,
    readonly restorable: boolean,
    keyvalue: KeyvalueAccess = {},
  ) {
    this.imports = {
      ...wasiImports(() => {
        if (!this.current) throw new Error('WASI call outside a request')
        return this.current
      }, outgoing),
      ...keyvalueImports(keyvalue),
    }
    const plan = cores.capped?.plan
    // A memory that grew is never handed out again: its size would tell the next instance what
    // an earlier request did.
    if (plan)
      this.pool = new MemoryPool({
        initialPages: plan.initialPages,
        maximumPages: plan.maximumPages,
        retainBytes: 0,
      })
  }

  /** Its pooled memories and the memory of the instance it keeps (shared or restorable). */
  memoryBytes(): number {
    if (this.disposed) return 0
    let bytes = this.pool?.heldBytes ?? 0
    for (const live of [this.shared, this.restored]) bytes += live?.memory?.buffer.byteLength ?? 0
    return bytes
  }

  private get isShared(): boolean {
    return this.spec.config.isolation === 'shared'
  }

  private instantiate(): Live {
    const memory = this.pool?.take()
    const instance = instantiate(this.run, this.cores, this.imports, memory, this.restorable)
    return { instance, memory }
  }

  /**
   * The instance for this request. A restorable one is instantiated with only the function's own
   * environment in reach, so nothing of the first request is in the snapshot the others start from.
   */
  private acquire(run: ComponentRun): Live {
    if (this.isShared) return (this.shared ??= this.instantiate())
    if (!this.restorable) return this.instantiate()
    if (this.restored) return this.restored
    this.current = { ...run, env: Object.entries(this.spec.config.env) }
    const live = this.instantiate()
    const parts = live.instance.parts
    if (parts) live.snapshot = new Snapshot(parts, this.cores.writesTables)
    this.restored = live
    this.current = run
    return live
  }

  async invoke(invocation: Invocation, opts: InvokeOptions): Promise<GuestResponse> {
    if (this.disposed) throw new Error(`function ${this.spec.name} was disposed`)
    const inv = invocation.type === 'http' ? invocation : scheduledAsHttp(invocation)
    const env = { ...this.spec.config.env, ...inv.env }
    const run: ComponentRun = {
      log: opts.log,
      stdout: new StderrLog(opts.log),
      stderr: new StderrLog(opts.log),
      env: Object.entries(env),
      args: [this.spec.name],
      deadline: opts.deadline,
      subrequests: 0,
    }
    const out = new ResponseOutparam()
    let live: Live | undefined
    let failure: unknown
    this.current = run
    try {
      live = this.acquire(run)
      live.instance.handler.handle(new IncomingRequest(inv), out)
    } catch (e) {
      failure = e
    } finally {
      this.current = undefined
      run.stdout.flush()
      run.stderr.flush()
    }
    const late = Date.now() > opts.deadline
    const grew = live?.instance.growFailed() ?? false
    this.settle(live, failure !== undefined || late)
    if (late) throw cpuLimitError(this.spec.config.timeoutMs)
    if (failure !== undefined && !(failure instanceof ComponentExit && failure.ok)) {
      if (grew) throw memoryLimitError(this.spec.config.memoryMb)
      if (failure instanceof ComponentExit)
        throw new FnhostError('GUEST_ERROR', `function ${this.spec.name} exited with an error`)
      throw guestFailure(this.spec.name, failure)
    }
    return this.respond(out)
  }

  /**
   * Gives a fresh instance's memory back; puts a restorable instance back as instantiated; drops a
   * shared or restorable instance that failed (or one that cannot be restored: a table or, past
   * the bound snapshot.ts keeps, its memory grew).
   */
  private settle(live: Live | undefined, failed: boolean): void {
    if (!live) return
    if (live === this.shared) {
      if (!failed) return
      this.shared = undefined
    }
    if (live === this.restored) {
      if (!failed && live.snapshot?.restore()) return
      this.restored = undefined
    }
    if (live.memory) this.pool?.release(live.memory)
  }

  private respond(out: ResponseOutparam): GuestResponse {
    const name = this.spec.name
    const answer = out.response
    if (!answer)
      throw new FnhostError(
        'GUEST_BAD_RESPONSE',
        `function ${name} returned without setting a response (response-outparam.set)`,
      )
    if (answer.tag === 'err')
      throw new FnhostError(
        'GUEST_ERROR',
        `function ${name} answered with wasi:http error-code ${String(answer.val?.tag)}`,
      )
    const response = answer.val
    const sink = response.outgoing?.sink
    if (sink?.overflowed)
      throw new FnhostError(
        'GUEST_BAD_RESPONSE',
        `function ${name} wrote a response body larger than ${STDOUT_CAP_BYTES} bytes; write a smaller response`,
      )
    return {
      status: response.status,
      headers: response.headers().toHeaderList(),
      body: sink && sink.size > 0 ? sink.bytes() : null,
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.disposed = true
    this.shared = undefined
    this.restored = undefined
    this.pool?.[Symbol.dispose]()
  }
}
