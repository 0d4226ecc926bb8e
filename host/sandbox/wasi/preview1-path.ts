import { CONTEXT_PATH, type ContextFile } from './context-dir.js'
import { E, FDFLAGS_APPEND, FILETYPE, OFLAGS, RIGHTS } from './errno.js'
import { CONTEXT_FD, type WasiRun } from './run.js'

const utf8 = new TextDecoder()
const encoder = new TextEncoder()
const contextName = encoder.encode(CONTEXT_PATH)

/** The file name a call names below /context, or an errno; only the /context descriptor resolves paths. */
function lookup(run: WasiRun, dirFd: number, ptr: number, len: number): string | number {
  const dir = run.fds.get(dirFd)
  if (!dir) return E.BADF
  if (dir.kind !== 'dir') return E.NOTDIR
  return run.context.resolve(utf8.decode(run.memory.bytes(ptr, len)))
}

function writeFilestat(run: WasiRun, ptr: number, file: ContextFile | undefined, ino: number) {
  const m = run.memory
  m.setU64(ptr, 1n)
  m.setU64(ptr + 8, BigInt(ino))
  m.setU8(ptr + 16, file ? FILETYPE.REGULAR_FILE : FILETYPE.DIRECTORY)
  m.setU64(ptr + 24, 1n)
  m.setU64(ptr + 32, BigInt(file?.size ?? 0))
  const time = file?.mtimeNs ?? BigInt(Math.round(performance.timeOrigin)) * 1_000_000n
  for (const offset of [40, 48, 56]) m.setU64(ptr + offset, time)
}

function inode(run: WasiRun, name: string): number {
  return run.context.names().indexOf(name) + 2
}

function fdPrestatGet(run: WasiRun, fd: number, ptr: number) {
  if (fd !== CONTEXT_FD || run.fds.get(fd)?.kind !== 'dir') return E.BADF
  run.memory.setU8(ptr, 0)
  run.memory.setU32(ptr + 4, contextName.byteLength)
  return E.SUCCESS
}

function fdPrestatDirName(run: WasiRun, fd: number, ptr: number, len: number) {
  if (fd !== CONTEXT_FD || run.fds.get(fd)?.kind !== 'dir') return E.BADF
  if (len < contextName.byteLength) return E.NAMETOOLONG
  run.memory.write(ptr, contextName)
  return E.SUCCESS
}

function pathOpen(
  run: WasiRun,
  dirFd: number,
  _lookupFlags: number,
  pathPtr: number,
  pathLen: number,
  oflags: number,
  rightsBase: bigint,
  _rightsInheriting: bigint,
  fdflags: number,
  outPtr: number,
) {
  const name = lookup(run, dirFd, pathPtr, pathLen)
  if (typeof name === 'number') return name
  const write = (rightsBase & RIGHTS.FD_WRITE) !== 0n
  let opened: number | undefined
  if (name === '') {
    if (write || oflags & (OFLAGS.CREAT | OFLAGS.TRUNC)) return E.ISDIR
    opened = run.allocate({ kind: 'dir' })
  } else {
    let file = run.context.get(name)
    if (file && oflags & OFLAGS.CREAT && oflags & OFLAGS.EXCL) return E.EXIST
    if (file && oflags & OFLAGS.DIRECTORY) return E.NOTDIR
    if (!file) {
      if (!(oflags & OFLAGS.CREAT)) return E.NOENT
      const created = run.context.create(name)
      if (typeof created === 'number') return created
      file = created
    }
    if (oflags & OFLAGS.TRUNC) {
      if (!write) return E.INVAL
      run.context.resize(file, 0)
    }
    const read = (rightsBase & RIGHTS.FD_READ) !== 0n
    const append = (fdflags & FDFLAGS_APPEND) !== 0
    opened = run.allocate({ kind: 'file', file, pos: 0, read, write, append })
  }
  if (opened === undefined) return E.MFILE
  run.memory.setU32(outPtr, opened)
  return E.SUCCESS
}

function fdFilestatGet(run: WasiRun, fd: number, ptr: number) {
  const entry = run.fds.get(fd)
  if (!entry) return E.BADF
  if (entry.kind === 'file') writeFilestat(run, ptr, entry.file, 100 + fd)
  else if (entry.kind === 'dir') writeFilestat(run, ptr, undefined, 1)
  else {
    writeFilestat(run, ptr, undefined, fd + 1000)
    run.memory.setU8(ptr + 16, FILETYPE.UNKNOWN)
  }
  return E.SUCCESS
}

function pathFilestatGet(
  run: WasiRun,
  dirFd: number,
  _flags: number,
  ptr: number,
  len: number,
  out: number,
) {
  const name = lookup(run, dirFd, ptr, len)
  if (typeof name === 'number') return name
  const file = name === '' ? undefined : run.context.get(name)
  if (name !== '' && !file) return E.NOENT
  writeFilestat(run, out, file, file ? inode(run, name) : 1)
  return E.SUCCESS
}

/** Directory entries from `cookie` on, truncated at the buffer's end as preview1 specifies. */
function fdReaddir(
  run: WasiRun,
  fd: number,
  buf: number,
  bufLen: number,
  cookie: bigint,
  usedPtr: number,
) {
  if (run.fds.get(fd)?.kind !== 'dir') return run.fds.has(fd) ? E.NOTDIR : E.BADF
  const names = run.context.names()
  const out = new Uint8Array(bufLen)
  let used = 0
  for (let i = Number(cookie); i < names.length && used < bufLen; i++) {
    const name = encoder.encode(names[i])
    const entry = new Uint8Array(24 + name.byteLength)
    const ev = new DataView(entry.buffer)
    ev.setBigUint64(0, BigInt(i + 1), true)
    ev.setBigUint64(8, BigInt(i + 2), true)
    ev.setUint32(16, name.byteLength, true)
    ev.setUint8(20, FILETYPE.REGULAR_FILE)
    entry.set(name, 24)
    const n = Math.min(entry.byteLength, bufLen - used)
    out.set(entry.subarray(0, n), used)
    used += n
  }
  run.memory.write(buf, out.subarray(0, used))
  run.memory.setU32(usedPtr, used)
  return E.SUCCESS
}

function pathUnlinkFile(run: WasiRun, dirFd: number, ptr: number, len: number) {
  const name = lookup(run, dirFd, ptr, len)
  if (typeof name === 'number') return name
  return name === '' ? E.ISDIR : run.context.remove(name)
}

function pathRename(
  run: WasiRun,
  fromFd: number,
  fromPtr: number,
  fromLen: number,
  toFd: number,
  toPtr: number,
  toLen: number,
) {
  const from = lookup(run, fromFd, fromPtr, fromLen)
  if (typeof from === 'number') return from
  const to = lookup(run, toFd, toPtr, toLen)
  if (typeof to === 'number') return to
  return from === '' || to === '' ? E.ISDIR : run.context.rename(from, to)
}

/** /context is flat and link-free: these exist for linking but always refuse. */
const notSupported = () => E.NOTSUP

export const pathCalls = {
  fd_prestat_get: fdPrestatGet,
  fd_prestat_dir_name: fdPrestatDirName,
  fd_filestat_get: fdFilestatGet,
  fd_readdir: fdReaddir,
  path_open: pathOpen,
  path_filestat_get: pathFilestatGet,
  path_filestat_set_times: (run: WasiRun, fd: number) => (run.fds.has(fd) ? E.SUCCESS : E.BADF),
  path_unlink_file: pathUnlinkFile,
  path_rename: pathRename,
  path_create_directory: notSupported,
  path_remove_directory: notSupported,
  path_link: notSupported,
  path_symlink: notSupported,
  path_readlink: notSupported,
}
