import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  read,
  readSync,
  realpathSync,
  type Stats,
} from 'node:fs'
import { dirname, sep } from 'node:path'
import { promisify } from 'node:util'

/**
 * Reading a file of the functions folder without trusting it. fnhost reads only regular files and
 * never follows a symbolic link: a FIFO would block the read (and with it the scan chain), a device
 * could be endless, and a link could point anywhere on the host. The size is checked on the open
 * descriptor before a byte is read, and never more than that size is read.
 */

/** The file is there but is not one fnhost reads; the message names it relative to the folder. */
export class UnreadableFileError extends Error {
  override readonly name = 'UnreadableFileError'
}

function notRegular(shown: string): UnreadableFileError {
  return new UnreadableFileError(
    `${shown} is not a regular file (a FIFO, socket, device or folder); fnhost reads only regular files`,
  )
}

// O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever.
const FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW

/**
 * Files up to this size are read with synchronous calls: the thread blocks for microseconds,
 * where each asynchronous step (open, stat, two realpaths, read, close) is a trip through libuv's
 * thread pool, milliseconds in all on a busy machine, on the path of every new function. A function
 * file is a few kilobytes; a larger one is read asynchronously, never stalling the thread.
 */
const SYNC_READ_MAX_BYTES = 256 * 1024

const readAsync = promisify(read)

/**
 * The bytes of `path` (shown as `shown` in messages), or undefined when it does not exist. Throws
 * UnreadableFileError for a symbolic link, anything but a regular file, a file larger than
 * `maxBytes`, or one outside `root` (a folder on its path replaced by a link).
 */
export async function readRegularFile(
  root: string,
  path: string,
  shown: string,
  maxBytes: number,
): Promise<Buffer | undefined> {
  let fd
  try {
    fd = openSync(path, FLAGS)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    if (code === 'ELOOP')
      throw new UnreadableFileError(
        `${shown} is a symbolic link; fnhost reads only regular files and never follows links`,
      )
    // A socket cannot be opened at all.
    if (code === 'ENXIO' || code === 'EISDIR') throw notRegular(shown)
    throw new UnreadableFileError(`${shown} cannot be read (${code ?? 'error'})`)
  }
  try {
    const info = fstatSync(fd)
    if (!info.isFile()) throw notRegular(shown)
    if (info.size > maxBytes)
      throw new UnreadableFileError(`${shown} is ${info.size} bytes; the limit is ${maxBytes}`)
    assertInside(root, path, shown)
    const bytes = Buffer.alloc(info.size)
    const sync = info.size <= SYNC_READ_MAX_BYTES
    let filled = 0
    while (filled < bytes.length) {
      const length = bytes.length - filled
      const bytesRead = sync
        ? readSync(fd, bytes, filled, length, filled)
        : (await readAsync(fd, bytes, filled, length, filled)).bytesRead
      if (bytesRead === 0) break
      filled += bytesRead
    }
    return bytes.subarray(0, filled)
  } finally {
    closeSync(fd)
  }
}

/** The file's folder, links resolved, lies inside the functions folder (links resolved too). */
function assertInside(root: string, path: string, shown: string): void {
  const realRoot = realpathSync.native(root)
  const realDir = realpathSync.native(dirname(path))
  if (realDir !== realRoot && !realDir.startsWith(realRoot + sep))
    throw new UnreadableFileError(
      `${shown} lies in a folder that links outside the functions folder; fnhost never follows links`,
    )
}

/** `lstat` of a path, or undefined when it cannot be had; synchronous, as readRegularFile. */
export function lstatOrNothing(path: string): Stats | undefined {
  try {
    return lstatSync(path)
  } catch {
    return undefined
  }
}
