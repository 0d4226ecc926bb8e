import { cpuLimitError, FnhostError } from '../../../errors.js'
import { scheduledAsHttp, type GuestResponse, type Invocation } from '../../../invocation.js'
import type { FunctionSpec } from '../../../types.js'
import { isBoardName, type BoardName } from '../firmware/boards.js'
import { cachedFirmware } from '../firmware/cache.js'
import type { Firmware } from '../firmware/firmware.js'
import type { InvokeOptions, LoadedFunction } from '../../types.js'
import { encodeMicroRequest, type MicroRequest } from '../request.js'
import { deviceCommand } from './command.js'
import { FLAG_SHARED } from './frames.js'
import { DeviceLink, LinkError } from './link.js'
import { deviceResponse } from './outcome.js'

const utf8 = new TextDecoder()

/** What one device request cost, for the bench: board clock ticks on the fresh instance and fnm_handle. */
export interface DeviceCost {
  ticks: number
  tickHz: number
}

/**
 * An fnmicro function served by a device: the module's firmware for `board`, run by QEMU (or
 * natively), started on first use and restarted after a timeout or a crash. Requests travel
 * over the serial framing; the answer is what the in-process driver would give, byte for byte.
 */
export class DeviceFunction implements LoadedFunction {
  private link?: DeviceLink
  private disposed = false
  /** Cost of the last answered request. */
  lastCost?: DeviceCost

  constructor(
    readonly spec: FunctionSpec,
    readonly firmware: Firmware,
    private readonly options: { icount?: boolean } = {},
  ) {}

  static async load(spec: FunctionSpec, board: BoardName, options: { icount?: boolean } = {}) {
    try {
      return new DeviceFunction(spec, await cachedFirmware(spec.source, board), options)
    } catch (e) {
      throw new FnhostError(
        'FUNCTION_LOAD_FAILED',
        `function ${spec.name}: building its ${board} firmware failed: ${(e as Error).message}`,
        { cause: e },
      )
    }
  }

  async invoke(invocation: Invocation, opts: InvokeOptions): Promise<GuestResponse> {
    if (this.disposed) throw new Error(`function ${this.spec.name} was disposed`)
    const inv = invocation.type === 'http' ? invocation : scheduledAsHttp(invocation)
    return this.run(encodeMicroRequest(inv), opts)
  }

  /** Runs one encoded request on the device; once more on a new device if the old one was gone. */
  async run(request: MicroRequest, opts: InvokeOptions): Promise<GuestResponse> {
    try {
      return await this.attempt(request, opts)
    } catch (e) {
      if (!(e instanceof LinkError) || e.reason !== 'gone') throw e
      return this.attempt(request, opts)
    }
  }

  private async attempt(request: MicroRequest, opts: InvokeOptions): Promise<GuestResponse> {
    const name = this.spec.name
    try {
      const link = this.currentLink()
      const hello = await link.ready(opts.deadline)
      if (hello.abi !== 1)
        throw new FnhostError(
          'GUEST_ERROR',
          `function ${name}: the device refused the module (fnmicro ABI or buffer layout)`,
        )
      if (request.bytes.byteLength > hello.reqCap)
        throw new FnhostError(
          'BODY_TOO_LARGE',
          `the request takes ${request.bytes.byteLength} bytes; function ${name} accepts ${hello.reqCap}`,
        )
      const lengths = [request.methodLen, request.pathLen, request.headersLen, request.bodyLen]
      const flags = this.spec.config.isolation === 'shared' ? FLAG_SHARED : 0
      const outcome = await link.request(flags, lengths, request.bytes, opts.deadline, (bytes) => {
        if (!opts.log.full) opts.log.write('log', utf8.decode(bytes))
      })
      if (outcome.tag !== 'error') this.lastCost = { ticks: outcome.ticks, tickHz: hello.tickHz }
      if (Date.now() > opts.deadline) throw this.cpuLimit()
      return deviceResponse(name, hello.respCap, outcome)
    } catch (e) {
      if (!(e instanceof LinkError) || e.reason === 'gone') throw e
      if (e.reason === 'timeout' || e.reason === 'late') throw this.cpuLimit()
      throw new FnhostError('GUEST_ERROR', `function ${name}: the device stopped: ${e.message}`, {
        cause: e,
      })
    }
  }

  private cpuLimit(): FnhostError {
    return cpuLimitError(this.spec.config.timeoutMs)
  }

  /** The running device, or a fresh one if there is none or the last one was killed. */
  private currentLink(): DeviceLink {
    if (this.link?.alive) return this.link
    const [command, args] = deviceCommand(this.firmware, this.options)
    this.link = new DeviceLink(command, args)
    return this.link
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.disposed = true
    await this.link?.[Symbol.asyncDispose]()
  }
}

/** The hook the fnmicro driver calls for a function whose config names a board. */
export async function loadOnDevice(spec: FunctionSpec): Promise<LoadedFunction> {
  const board = spec.config.board
  if (board === undefined || !isBoardName(board))
    throw new FnhostError('FUNCTION_LOAD_FAILED', `function ${spec.name}: unknown board ${board}`)
  return DeviceFunction.load(spec, board)
}
