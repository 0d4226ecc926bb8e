import { cpuLimitError, FnhostError } from '../../errors.js'
import { scheduledAsHttp, type GuestResponse, type Invocation } from '../../invocation.js'
import type { InvocationLog } from '../../observe/invocation-log.js'
import type { FunctionSpec } from '../../types.js'
import { guestRun, openGate, type GuestGate, type GuestRun } from '../guest-gate.js'
import type { InvokeOptions, LoadedFunction } from '../types.js'
import { parseCgiResponse } from '../wasm/cgi-response.js'
import { guestFailure } from '../wasm/guest-failure.js'
import type { MemoryPlan } from '../wasm/memory-plan.js'
import { MemoryPool } from '../wasm/memory-pool.js'
import { instantiateMicro, MicroAbiError, type MicroInstance } from './instance.js'
import { LOG_IMPORT } from './profile.js'
import { encodeMicroRequest } from './request.js'

const utf8 = new TextDecoder()

/**
 * A compiled fnmicro module. By default each request gets a fresh instance over a pooled, zeroed
 * page; with `isolation: 'shared'` one instance serves every request (as on a microcontroller)
 * and is replaced only after it traps.
 */
export class MicroFunction implements LoadedFunction {
  private readonly pool: MemoryPool
  private readonly imports: WebAssembly.Imports
  private readonly memoryNamespace: WebAssembly.ModuleImports = {}
  private current?: { memory: WebAssembly.Memory; log: InvocationLog }
  private sharedInstance?: MicroInstance
  private disposed = false

  constructor(
    readonly spec: FunctionSpec,
    private readonly module: WebAssembly.Module,
    private readonly plan: MemoryPlan,
    readonly shared: boolean,
    private readonly gate: GuestGate = openGate,
  ) {
    this.pool = new MemoryPool({ initialPages: plan.initialPages, maximumPages: plan.maximumPages })
    this.imports = {
      [LOG_IMPORT.module]: { [LOG_IMPORT.name]: (ptr: number, len: number) => this.log(ptr, len) },
      [plan.module]: this.memoryNamespace,
    }
  }

  /** Its pooled memories, and the shared instance's memory when it keeps one. */
  memoryBytes(): number {
    if (this.disposed) return 0
    return this.pool.heldBytes + (this.sharedInstance?.memory.buffer.byteLength ?? 0)
  }

  /** Instantiates once and throws MicroAbiError if the ABI version or buffer layout is wrong. */
  probe(run: GuestRun): void {
    this.pool.release(this.instantiate(this.pool.take(), run).memory)
  }

  private instantiate(memory: WebAssembly.Memory, run: GuestRun): MicroInstance {
    this.memoryNamespace[this.plan.name] = memory
    return this.gate.run(run, () => instantiateMicro(this.module, this.imports, memory))
  }

  async invoke(invocation: Invocation, opts: InvokeOptions): Promise<GuestResponse> {
    this.assertLive()
    const inv = invocation.type === 'http' ? invocation : scheduledAsHttp(invocation)
    const request = encodeMicroRequest(inv)
    const run = guestRun(opts)
    const instance = this.acquire(run)
    let trapped = false
    try {
      const { layout, memory, exports } = instance
      if (request.bytes.byteLength > layout.reqCap)
        throw new FnhostError(
          'BODY_TOO_LARGE',
          `the request takes ${request.bytes.byteLength} bytes; function ${this.spec.name} accepts ${layout.reqCap}`,
        )
      new Uint8Array(memory.buffer).set(request.bytes, layout.reqBuf)
      this.current = { memory, log: opts.log }
      let length: number
      try {
        length = this.gate.run(run, () =>
          exports.fnm_handle(
            request.methodLen,
            request.pathLen,
            request.headersLen,
            request.bodyLen,
          ),
        )
      } catch (e) {
        trapped = true
        throw guestFailure(this.spec.name, e)
      } finally {
        this.current = undefined
      }
      if (Date.now() > opts.deadline) throw cpuLimitError(this.spec.config.timeoutMs)
      if (length < 0)
        throw new FnhostError(
          'GUEST_ERROR',
          `function ${this.spec.name} failed: fnm_handle returned ${length}`,
        )
      if (length > layout.respCap)
        throw new FnhostError(
          'GUEST_BAD_RESPONSE',
          `fnm_handle returned ${length}, more than its response buffer of ${layout.respCap} bytes`,
        )
      const out = new Uint8Array(memory.buffer, layout.respBuf, length).slice()
      return parseCgiResponse(out, 'the response buffer')
    } finally {
      this.giveBack(instance, trapped)
    }
  }

  private acquire(run: GuestRun): MicroInstance {
    try {
      if (!this.shared) return this.instantiate(this.pool.take(), run)
      // The shared instance keeps its memory across requests, so it never comes from the pool.
      const { initialPages: initial, maximumPages: maximum } = this.plan
      return (this.sharedInstance ??= this.instantiate(
        new WebAssembly.Memory({ initial, maximum }),
        run,
      ))
    } catch (e) {
      if (e instanceof MicroAbiError)
        throw new FnhostError('GUEST_ERROR', `function ${this.spec.name}: ${e.message}`)
      throw guestFailure(this.spec.name, e)
    }
  }

  private giveBack(instance: MicroInstance, trapped: boolean): void {
    if (!this.shared) this.pool.release(instance.memory)
    else if (trapped) this.sharedInstance = undefined
  }

  private log(ptr: number, len: number): void {
    const run = this.current
    if (!run) return
    const size = run.memory.buffer.byteLength
    if (ptr < 0 || len < 0 || ptr + len > size)
      throw new WebAssembly.RuntimeError(
        `fnmicro.log(${ptr}, ${len}) reaches outside the ${size}-byte memory`,
      )
    if (!run.log.full)
      run.log.write('log', utf8.decode(new Uint8Array(run.memory.buffer, ptr, len)))
  }

  private assertLive(): void {
    if (this.disposed) throw new Error(`function ${this.spec.name} was disposed`)
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.disposed = true
    this.sharedInstance = undefined
    this.pool[Symbol.dispose]()
  }
}
