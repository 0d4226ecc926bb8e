import { E, FDFLAGS_APPEND, FILETYPE, RIGHTS } from './errno.js'
import type { Fd, WasiRun } from './run.js'

type FileFd = Extract<Fd, { kind: 'file' }>

function readInto(iovs: Uint8Array[], source: Uint8Array, from: number): number {
  let at = from
  for (const iov of iovs) {
    const n = Math.min(iov.byteLength, source.byteLength - at)
    if (n <= 0) break
    iov.set(source.subarray(at, at + n))
    at += n
  }
  return at - from
}

function writeFile(run: WasiRun, fd: FileFd, iovs: Uint8Array[], at: number): number {
  let written = 0
  for (const iov of iovs) {
    const n = run.context.write(fd.file, at + written, iov)
    if (n < 0) return written > 0 ? written : n
    written += n
  }
  return written
}

function fdWrite(run: WasiRun, fd: number, iovsPtr: number, iovsLen: number, outPtr: number) {
  const entry = run.fds.get(fd)
  if (!entry) return E.BADF
  const iovs = run.memory.iovecs(iovsPtr, iovsLen)
  let written = 0
  if (entry.kind === 'stdout') {
    for (const iov of iovs) {
      if (!run.stdout.write(iov)) {
        if (written === 0) return E.IO
        break
      }
      written += iov.byteLength
    }
  } else if (entry.kind === 'stderr') {
    for (const iov of iovs) {
      run.stderr.write(iov)
      written += iov.byteLength
    }
  } else if (entry.kind === 'file' && entry.write) {
    if (entry.append) entry.pos = entry.file.size
    written = writeFile(run, entry, iovs, entry.pos)
    if (written < 0) return -written
    entry.pos += written
  } else return E.BADF
  run.memory.setU32(outPtr, written)
  return E.SUCCESS
}

function fdRead(run: WasiRun, fd: number, iovsPtr: number, iovsLen: number, outPtr: number) {
  const entry = run.fds.get(fd)
  const iovs = run.memory.iovecs(iovsPtr, iovsLen)
  let n: number
  if (entry?.kind === 'stdin') {
    n = readInto(iovs, run.stdin, run.stdinPos)
    run.stdinPos += n
  } else if (entry?.kind === 'file' && entry.read) {
    n = readInto(iovs, entry.file.contents, entry.pos)
    entry.pos += n
  } else return entry?.kind === 'dir' ? E.ISDIR : E.BADF
  run.memory.setU32(outPtr, n)
  return E.SUCCESS
}

function fdPread(
  run: WasiRun,
  fd: number,
  iovsPtr: number,
  iovsLen: number,
  offset: bigint,
  outPtr: number,
) {
  const entry = run.fds.get(fd)
  if (entry?.kind !== 'file' || !entry.read) return entry ? E.SPIPE : E.BADF
  run.memory.setU32(
    outPtr,
    readInto(run.memory.iovecs(iovsPtr, iovsLen), entry.file.contents, Number(offset)),
  )
  return E.SUCCESS
}

function fdPwrite(
  run: WasiRun,
  fd: number,
  iovsPtr: number,
  iovsLen: number,
  offset: bigint,
  outPtr: number,
) {
  const entry = run.fds.get(fd)
  if (entry?.kind !== 'file' || !entry.write) return entry ? E.SPIPE : E.BADF
  const written = writeFile(run, entry, run.memory.iovecs(iovsPtr, iovsLen), Number(offset))
  if (written < 0) return -written
  run.memory.setU32(outPtr, written)
  return E.SUCCESS
}

function fdSeek(run: WasiRun, fd: number, offset: bigint, whence: number, outPtr: number) {
  const entry = run.fds.get(fd)
  if (entry?.kind !== 'file') return entry ? E.SPIPE : E.BADF
  const base = [0, entry.pos, entry.file.size][whence]
  if (base === undefined) return E.INVAL
  const pos = BigInt(base) + offset
  if (pos < 0n || pos > BigInt(Number.MAX_SAFE_INTEGER)) return E.INVAL
  entry.pos = Number(pos)
  run.memory.setU64(outPtr, pos)
  return E.SUCCESS
}

function fdTell(run: WasiRun, fd: number, outPtr: number) {
  const entry = run.fds.get(fd)
  if (entry?.kind !== 'file') return entry ? E.SPIPE : E.BADF
  run.memory.setU64(outPtr, BigInt(entry.pos))
  return E.SUCCESS
}

function fdClose(run: WasiRun, fd: number) {
  return run.fds.delete(fd) ? E.SUCCESS : E.BADF
}

function fdFdstatGet(run: WasiRun, fd: number, ptr: number) {
  const entry = run.fds.get(fd)
  if (!entry) return E.BADF
  // stdio reports as a pipe would (unknown type), so libc buffers stdout fully instead of per line.
  const type =
    entry.kind === 'dir'
      ? FILETYPE.DIRECTORY
      : entry.kind === 'file'
        ? FILETYPE.REGULAR_FILE
        : FILETYPE.UNKNOWN
  const base =
    entry.kind === 'stdin'
      ? RIGHTS.FD_READ
      : entry.kind === 'stdout' || entry.kind === 'stderr'
        ? RIGHTS.FD_WRITE
        : RIGHTS.ALL
  run.memory.setU8(ptr, type)
  run.memory.setU16(ptr + 2, entry.kind === 'file' && entry.append ? FDFLAGS_APPEND : 0)
  run.memory.setU64(ptr + 8, base)
  run.memory.setU64(ptr + 16, entry.kind === 'dir' ? RIGHTS.ALL : 0n)
  return E.SUCCESS
}

function fdFdstatSetFlags(run: WasiRun, fd: number, flags: number) {
  const entry = run.fds.get(fd)
  if (!entry) return E.BADF
  if (entry.kind === 'file') entry.append = (flags & FDFLAGS_APPEND) !== 0
  return E.SUCCESS
}

function fdFilestatSetSize(run: WasiRun, fd: number, size: bigint) {
  const entry = run.fds.get(fd)
  if (entry?.kind !== 'file' || !entry.write) return entry ? E.INVAL : E.BADF
  if (size > BigInt(Number.MAX_SAFE_INTEGER)) return E.FBIG
  return run.context.resize(entry.file, Number(size))
}

/** Calls that only need the descriptor to exist. */
function fdNoop(run: WasiRun, fd: number) {
  return run.fds.has(fd) ? E.SUCCESS : E.BADF
}

export const fdCalls = {
  fd_write: fdWrite,
  fd_read: fdRead,
  fd_pread: fdPread,
  fd_pwrite: fdPwrite,
  fd_seek: fdSeek,
  fd_tell: fdTell,
  fd_close: fdClose,
  fd_fdstat_get: fdFdstatGet,
  fd_fdstat_set_flags: fdFdstatSetFlags,
  fd_fdstat_set_rights: fdNoop,
  fd_filestat_set_size: fdFilestatSetSize,
  fd_filestat_set_times: fdNoop,
  fd_advise: fdNoop,
  fd_allocate: fdNoop,
  fd_datasync: fdNoop,
  fd_sync: fdNoop,
}
