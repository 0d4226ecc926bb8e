import { spawn, type ChildProcessByStdio } from 'node:child_process'
import type { Readable, Writable } from 'node:stream'
import { encodeRequestFrame, FrameReader, type DeviceFrame } from './frames.js'

type Hello = Extract<DeviceFrame, { tag: 'hello' }>
export type Outcome = Extract<DeviceFrame, { tag: 'result' | 'trap' | 'error' }>

/**
 * Why a request failed on a link: the device did not answer in time and was killed ('timeout'),
 * the deadline passed while an earlier request held the device ('late'), the link had already
 * failed before this request's turn ('gone': nothing was sent), or the device process ended or
 * spoke garbage ('crashed').
 */
export class LinkError extends Error {
  override readonly name = 'LinkError'
  constructor(
    readonly reason: 'timeout' | 'late' | 'gone' | 'crashed',
    message: string,
  ) {
    super(message)
  }
}

/** Bytes a log or response frame may carry: the whole linear memory at most. */
const MAX_PAYLOAD = 65536
const STDERR_KEEP = 2048

/**
 * Runs the device under a guard shell holding a pipe (fd 3) from this process: when the pipe
 * closes, because the link failed or because this process or its worker thread ended in any
 * way, the guard kills the device. QEMU would otherwise outlive us: it does not exit at the end
 * of its input.
 */
const GUARD = [
  'exec 4<&0',
  '"$@" <&4 3<&- 4<&- &',
  'device=$!',
  '(read _ <&3; kill -9 $device 2>/dev/null) 4<&- &',
  'guard=$!',
  'wait $device',
  'status=$?',
  'kill $guard 2>/dev/null',
  'exit $status',
].join('\n')

interface Pending {
  resolve(o: Outcome): void
  reject(e: Error): void
  onLog(bytes: Uint8Array): void
}

/**
 * One running device (a QEMU process or the native build) and the serial line to it. Requests
 * go one at a time: a device runs one handler at once. A timeout or a crash kills the process
 * for good; the owner starts a new link.
 */
export class DeviceLink implements AsyncDisposable {
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>
  private readonly lifeline: Writable
  private readonly reader = new FrameReader(MAX_PAYLOAD)
  private readonly hello: Promise<Hello>
  private helloWaiter?: { resolve(h: Hello): void; reject(e: Error): void }
  private pending?: Pending
  private queue: Promise<unknown> = Promise.resolve()
  private stderr = ''
  private dead?: LinkError

  constructor(command: string, args: string[]) {
    const child = spawn('/bin/sh', ['-c', GUARD, 'fnhost-device', command, ...args], {
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    })
    this.child = child as unknown as ChildProcessByStdio<Writable, Readable, Readable>
    this.lifeline = child.stdio[3] as Writable
    this.lifeline.on('error', () => {})
    this.hello = new Promise<Hello>((resolve, reject) => {
      this.helloWaiter = { resolve, reject }
    })
    // Observed by ready(); a link that dies before anyone asks must not be an unhandled rejection.
    this.hello.catch(() => {})
    this.child.stdout.on('data', (chunk: Buffer) => this.onData(chunk))
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-STDERR_KEEP)
    })
    this.child.stdin.on('error', () => {})
    this.child.on('error', (e) => this.fail(new LinkError('crashed', e.message)))
    this.child.on('exit', (code, signal) =>
      this.fail(
        new LinkError(
          'crashed',
          `the device process ended (${signal ?? `exit ${code}`})${this.stderr ? `: ${this.stderr.trim()}` : ''}`,
        ),
      ),
    )
  }

  get alive(): boolean {
    return this.dead === undefined
  }

  /** The device's hello frame: ABI version and buffer capacities. */
  ready(deadline: number): Promise<Hello> {
    return this.withDeadline(this.hello, deadline, 'boot')
  }

  /** Sends one request frame and resolves with the device's outcome; logs arrive on the way. */
  request(
    flags: number,
    lengths: number[],
    bytes: Uint8Array,
    deadline: number,
    onLog: (bytes: Uint8Array) => void,
  ): Promise<Outcome> {
    const turn = this.queue.then(() => {
      if (this.dead) throw new LinkError('gone', this.dead.message)
      if (Date.now() >= deadline)
        throw new LinkError('late', 'the deadline passed while the device served another request')
      const outcome = new Promise<Outcome>((resolve, reject) => {
        this.pending = { resolve, reject, onLog }
      })
      this.child.stdin.write(encodeRequestFrame(flags, lengths, bytes))
      return this.withDeadline(outcome, deadline, 'request')
    })
    this.queue = turn.catch(() => {})
    return turn
  }

  private withDeadline<T>(p: Promise<T>, deadline: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => {
          const e = new LinkError('timeout', `the device did not answer the ${what} in time`)
          this.fail(e)
          reject(e)
        },
        Math.max(0, deadline - Date.now()),
      )
      p.then(
        (v) => {
          clearTimeout(timer)
          resolve(v)
        },
        (e: unknown) => {
          clearTimeout(timer)
          reject(e as Error)
        },
      )
    })
  }

  private onData(chunk: Buffer): void {
    let frames: DeviceFrame[]
    try {
      frames = this.reader.push(chunk)
    } catch (e) {
      this.fail(new LinkError('crashed', `the device spoke out of turn: ${(e as Error).message}`))
      return
    }
    for (const f of frames) {
      if (f.tag === 'hello') this.helloWaiter?.resolve(f)
      else if (f.tag === 'log') this.pending?.onLog(f.bytes)
      else {
        const p = this.pending
        this.pending = undefined
        p?.resolve(f)
      }
    }
  }

  private fail(e: LinkError): void {
    if (this.dead) return
    this.dead = e
    this.helloWaiter?.reject(e)
    this.pending?.reject(e)
    this.pending = undefined
    this.lifeline.destroy()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    const exited = new Promise((r) => this.child.once('exit', r))
    this.fail(new LinkError('crashed', 'the link was closed'))
    await exited
  }
}
