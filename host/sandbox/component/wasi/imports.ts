import { randomFillSync } from 'node:crypto'
import type { InvocationLog } from '../../../observe/invocation-log.js'
import { StderrLog } from '../../wasi/stdio.js'
import { Fields } from './fields.js'
import {
  FutureTrailers,
  IncomingBody,
  IncomingRequest,
  OutgoingBody,
  OutgoingResponse,
  ResponseOutparam,
} from './http.js'
import { InputStream, IoError, OutputStream, poll, Pollable, type Result } from './io.js'
import {
  FutureIncomingResponse,
  IncomingResponse,
  OutgoingRequest,
  outgoingHandler,
  RequestOptions,
  type OutgoingContext,
  type OutgoingPolicy,
} from './outgoing.js'

/** What one invocation's WASI calls reach: its log, its environment, nothing of the host's. */
export interface ComponentRun extends OutgoingContext {
  log: InvocationLog
  stdout: StderrLog
  stderr: StderrLog
  env: [string, string][]
  args: string[]
}

/** wasi:cli/exit, thrown through the guest: `ok` is exit(ok), a clean end of the run. */
export class ComponentExit extends Error {
  constructor(readonly ok: boolean) {
    super(ok ? 'the component exited' : 'the component exited with an error')
  }
}

/** Random bytes asked for in one call; more is a guest bug or an attack on host memory. */
const MAX_RANDOM_BYTES = 1024 * 1024

function randomBytes(len: bigint): Uint8Array {
  if (len > BigInt(MAX_RANDOM_BYTES))
    throw new RangeError(`get-random-bytes of ${len} bytes; at most ${MAX_RANDOM_BYTES} per call`)
  return randomFillSync(new Uint8Array(Number(len)))
}

const randomU64 = () => Buffer.from(randomBytes(8n)).readBigUInt64LE()

class TerminalInput {}
class TerminalOutput {}
/** Never handed out: no component has a filesystem. */
class Descriptor {}
class DirectoryEntryStream {}

/**
 * The host's own WASI 0.2 imports, keyed by interface name without version (jco's keys), so
 * one implementation serves every 0.2.x guest. `run()` is the invocation being served.
 */
export function wasiImports(
  run: () => ComponentRun,
  outgoing: OutgoingPolicy,
): Record<string, Record<string, unknown>> {
  const nowNs = () => process.hrtime.bigint()
  return {
    'wasi:http/types': {
      Fields,
      IncomingRequest,
      IncomingBody,
      FutureTrailers,
      OutgoingResponse,
      OutgoingBody,
      ResponseOutparam,
      OutgoingRequest,
      RequestOptions,
      FutureIncomingResponse,
      IncomingResponse,
      httpErrorCode: (_e: IoError) => undefined,
    },
    'wasi:http/outgoing-handler': outgoingHandler(run, outgoing),
    'wasi:io/error': { Error: IoError },
    'wasi:io/poll': { Pollable, poll },
    'wasi:io/streams': { InputStream, OutputStream },
    'wasi:clocks/monotonic-clock': {
      now: nowNs,
      resolution: () => 1n,
      subscribeInstant: (when: bigint) => new Pollable(when),
      subscribeDuration: (d: bigint) => new Pollable(nowNs() + d),
    },
    'wasi:clocks/wall-clock': {
      now: () => {
        const ms = Date.now()
        return { seconds: BigInt(Math.floor(ms / 1000)), nanoseconds: (ms % 1000) * 1e6 }
      },
      resolution: () => ({ seconds: 0n, nanoseconds: 1e6 }),
    },
    'wasi:random/random': { getRandomBytes: randomBytes, getRandomU64: randomU64 },
    'wasi:random/insecure': {
      getInsecureRandomBytes: randomBytes,
      getInsecureRandomU64: randomU64,
    },
    'wasi:random/insecure-seed': { insecureSeed: () => [randomU64(), randomU64()] },
    'wasi:cli/environment': {
      getEnvironment: () => run().env,
      getArguments: () => run().args,
      initialCwd: () => undefined,
    },
    'wasi:cli/exit': {
      exit: (status: Result<undefined, undefined>) => {
        throw new ComponentExit(status.tag === 'ok')
      },
      exitWithCode: (code: number) => {
        throw new ComponentExit(code === 0)
      },
    },
    'wasi:cli/stdin': { getStdin: () => new InputStream(new Uint8Array(0)) },
    'wasi:cli/stdout': { getStdout: () => new OutputStream(logSink(() => run().stdout)) },
    'wasi:cli/stderr': { getStderr: () => new OutputStream(logSink(() => run().stderr)) },
    'wasi:cli/terminal-input': { TerminalInput },
    'wasi:cli/terminal-output': { TerminalOutput },
    'wasi:cli/terminal-stdin': { getTerminalStdin: () => undefined },
    'wasi:cli/terminal-stdout': { getTerminalStdout: () => undefined },
    'wasi:cli/terminal-stderr': { getTerminalStderr: () => undefined },
    'wasi:filesystem/types': {
      Descriptor,
      DirectoryEntryStream,
      filesystemErrorCode: () => undefined,
    },
    'wasi:filesystem/preopens': { getDirectories: () => [] },
  }
}

/** stdout and stderr both go to the function's log, a line per entry, under the log's cap. */
/**
 * A stream into the log of the request running when it is written, not of the one it was opened
 * in: a shared instance may keep its stdout handle across requests (wasi-libc's preview1 adapter
 * opens it once).
 */
function logSink(log: () => StderrLog) {
  return {
    write(data: Uint8Array): boolean {
      log().write(data)
      return true
    },
  }
}
