import { webcrypto } from 'node:crypto'
import { CLOCK, E, GuestFault, WasiExit } from './errno.js'
import { fdCalls } from './preview1-fd.js'
import { pathCalls } from './preview1-path.js'
import type { StringList, WasiRun } from './run.js'

export const WASI_MODULE = 'wasi_snapshot_preview1'

function sizes(run: WasiRun, list: StringList, countPtr: number, sizePtr: number) {
  run.memory.setU32(countPtr, list.offsets.length)
  run.memory.setU32(sizePtr, list.buffer.byteLength)
  return E.SUCCESS
}

function strings(run: WasiRun, list: StringList, ptrsPtr: number, bufPtr: number) {
  run.memory.write(bufPtr, list.buffer)
  list.offsets.forEach((offset, i) => run.memory.setU32(ptrsPtr + i * 4, bufPtr + offset))
  return E.SUCCESS
}

function now(run: WasiRun, id: number): bigint | undefined {
  switch (id) {
    case CLOCK.REALTIME:
      // The wall clock the host's deadlines use: timeOrigin + now() drifts from it as the system
      // clock is slewed after the thread started.
      return BigInt(Date.now()) * 1_000_000n
    case CLOCK.MONOTONIC:
      return process.hrtime.bigint()
    case CLOCK.PROCESS_CPUTIME:
    case CLOCK.THREAD_CPUTIME:
      return process.hrtime.bigint() - run.startNs
  }
  return undefined
}

function randomGet(run: WasiRun, ptr: number, len: number) {
  const target = run.memory.bytes(ptr, len)
  // getRandomValues fills at most 64 KiB per call.
  for (let at = 0; at < len; at += 65_536)
    webcrypto.getRandomValues(target.subarray(at, at + 65_536))
  return E.SUCCESS
}

const notSupported = () => E.NOTSUP

const calls = {
  ...fdCalls,
  ...pathCalls,
  args_sizes_get: (run: WasiRun, c: number, s: number) => sizes(run, run.args, c, s),
  args_get: (run: WasiRun, p: number, b: number) => strings(run, run.args, p, b),
  environ_sizes_get: (run: WasiRun, c: number, s: number) => sizes(run, run.env, c, s),
  environ_get: (run: WasiRun, p: number, b: number) => strings(run, run.env, p, b),
  clock_res_get: (run: WasiRun, id: number, ptr: number) => {
    if (now(run, id) === undefined) return E.INVAL
    run.memory.setU64(ptr, id === CLOCK.REALTIME ? 1_000_000n : 1000n)
    return E.SUCCESS
  },
  clock_time_get: (run: WasiRun, id: number, _precision: bigint, ptr: number) => {
    const t = now(run, id)
    if (t === undefined) return E.INVAL
    run.memory.setU64(ptr, t)
    return E.SUCCESS
  },
  random_get: randomGet,
  proc_exit: (_run: WasiRun, code: number) => {
    throw new WasiExit(code)
  },
  proc_raise: () => E.NOSYS,
  sched_yield: () => E.SUCCESS,
  // Sleeping would block the worker past what the watchdog sees as work; handlers do not sleep.
  poll_oneoff: notSupported,
  fd_renumber: notSupported,
  sock_accept: notSupported,
  sock_recv: notSupported,
  sock_send: notSupported,
  sock_shutdown: notSupported,
}

/** Parameter and result types of every preview1 function, checked against the module's imports. */
export const WASI_SIGNATURES: Record<keyof typeof calls, string> = {
  args_get: 'i32,i32->i32',
  args_sizes_get: 'i32,i32->i32',
  environ_get: 'i32,i32->i32',
  environ_sizes_get: 'i32,i32->i32',
  clock_res_get: 'i32,i32->i32',
  clock_time_get: 'i32,i64,i32->i32',
  fd_advise: 'i32,i64,i64,i32->i32',
  fd_allocate: 'i32,i64,i64->i32',
  fd_close: 'i32->i32',
  fd_datasync: 'i32->i32',
  fd_fdstat_get: 'i32,i32->i32',
  fd_fdstat_set_flags: 'i32,i32->i32',
  fd_fdstat_set_rights: 'i32,i64,i64->i32',
  fd_filestat_get: 'i32,i32->i32',
  fd_filestat_set_size: 'i32,i64->i32',
  fd_filestat_set_times: 'i32,i64,i64,i32->i32',
  fd_pread: 'i32,i32,i32,i64,i32->i32',
  fd_prestat_get: 'i32,i32->i32',
  fd_prestat_dir_name: 'i32,i32,i32->i32',
  fd_pwrite: 'i32,i32,i32,i64,i32->i32',
  fd_read: 'i32,i32,i32,i32->i32',
  fd_readdir: 'i32,i32,i32,i64,i32->i32',
  fd_renumber: 'i32,i32->i32',
  fd_seek: 'i32,i64,i32,i32->i32',
  fd_sync: 'i32->i32',
  fd_tell: 'i32,i32->i32',
  fd_write: 'i32,i32,i32,i32->i32',
  path_create_directory: 'i32,i32,i32->i32',
  path_filestat_get: 'i32,i32,i32,i32,i32->i32',
  path_filestat_set_times: 'i32,i32,i32,i32,i64,i64,i32->i32',
  path_link: 'i32,i32,i32,i32,i32,i32,i32->i32',
  path_open: 'i32,i32,i32,i32,i32,i64,i64,i32,i32->i32',
  path_readlink: 'i32,i32,i32,i32,i32,i32->i32',
  path_remove_directory: 'i32,i32,i32->i32',
  path_rename: 'i32,i32,i32,i32,i32,i32->i32',
  path_symlink: 'i32,i32,i32,i32,i32->i32',
  path_unlink_file: 'i32,i32,i32->i32',
  poll_oneoff: 'i32,i32,i32,i32->i32',
  proc_exit: 'i32->',
  proc_raise: 'i32->i32',
  random_get: 'i32,i32->i32',
  sched_yield: '->i32',
  sock_accept: 'i32,i32,i32->i32',
  sock_recv: 'i32,i32,i32,i32,i32,i32->i32',
  sock_send: 'i32,i32,i32,i32,i32->i32',
  sock_shutdown: 'i32,i32->i32',
}

type Syscall = (run: WasiRun, ...args: unknown[]) => number

/**
 * The preview1 import object for one compiled module, built once. Each call runs against the run
 * `current()` returns: a guest runs synchronously, so one run is active per thread at a time.
 */
export function preview1Imports(
  current: () => WasiRun,
): Record<string, (...args: unknown[]) => unknown> {
  const imports: Record<string, (...args: unknown[]) => unknown> = {}
  for (const [name, fn] of Object.entries(calls) as [string, Syscall][]) {
    imports[name] = (...args: unknown[]) => {
      try {
        return fn(current(), ...args)
      } catch (e) {
        if (e instanceof GuestFault) return E.FAULT
        throw e
      }
    }
  }
  return imports
}
