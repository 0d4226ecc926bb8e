import type { InvocationLog } from '../../observe/invocation-log.js'
import { ContextDir, type ContextFile } from './context-dir.js'
import { GuestMemory } from './guest-memory.js'
import { OutputBuffer, StderrLog } from './stdio.js'

export type Fd =
  | { kind: 'stdin' | 'stdout' | 'stderr' | 'dir' }
  | { kind: 'file'; file: ContextFile; pos: number; read: boolean; write: boolean; append: boolean }

/** NUL-terminated strings packed the way args_get/environ_get hand them to the guest. */
export class StringList {
  readonly buffer: Uint8Array
  readonly offsets: number[] = []

  constructor(strings: string[]) {
    this.buffer = new TextEncoder().encode(strings.length ? strings.join('\0') + '\0' : '')
    let at = 0
    for (let i = 0; i < strings.length; i++) {
      this.offsets.push(at)
      at = this.buffer.indexOf(0, at) + 1
    }
  }
}

export const CONTEXT_FD = 3
export const MAX_OPEN_FDS = 64

export interface WasiRunInit {
  args: string[]
  env: string[]
  stdin: Uint8Array
  /** Files offered in /context, built on first access. */
  contextFiles: Map<string, () => Uint8Array>
  log: InvocationLog
  memory: WebAssembly.Memory
  /** The function's memory cap: linear memory and /context together stay within it. */
  memoryCapBytes: number
}

/** Everything one guest run can touch through WASI: its stdio, its /context and its memory. */
export class WasiRun {
  readonly args: StringList
  readonly env: StringList
  readonly stdin: Uint8Array
  stdinPos = 0
  readonly stdout = new OutputBuffer()
  readonly stderr: StderrLog
  readonly context: ContextDir
  readonly memory: GuestMemory
  readonly startNs = process.hrtime.bigint()
  readonly fds = new Map<number, Fd>([
    [0, { kind: 'stdin' }],
    [1, { kind: 'stdout' }],
    [2, { kind: 'stderr' }],
    [CONTEXT_FD, { kind: 'dir' }],
  ])

  constructor(init: WasiRunInit) {
    this.args = new StringList(init.args)
    this.env = new StringList(init.env)
    this.stdin = init.stdin
    this.stderr = new StderrLog(init.log)
    this.context = new ContextDir(init.contextFiles, {
      room: () => init.memoryCapBytes - init.memory.buffer.byteLength,
      openFiles: () => this.openFiles(),
    })
    this.memory = new GuestMemory(init.memory)
  }

  private *openFiles(): Iterable<ContextFile> {
    for (const fd of this.fds.values()) if (fd.kind === 'file') yield fd.file
  }

  /** The lowest free descriptor, as POSIX hands them out; undefined when the table is full. */
  allocate(fd: Fd): number | undefined {
    for (let n = CONTEXT_FD + 1; n < CONTEXT_FD + 1 + MAX_OPEN_FDS; n++) {
      if (this.fds.has(n)) continue
      this.fds.set(n, fd)
      return n
    }
    return undefined
  }
}
