/** WASI preview1 errno values the shim returns (witx `errno`). */
export const E = {
  SUCCESS: 0,
  BADF: 8,
  EXIST: 20,
  FAULT: 21,
  FBIG: 22,
  INVAL: 28,
  IO: 29,
  ISDIR: 31,
  MFILE: 33,
  NAMETOOLONG: 37,
  NOENT: 44,
  NOSPC: 51,
  NOSYS: 52,
  NOTDIR: 54,
  NOTSUP: 58,
  SPIPE: 70,
  NOTCAPABLE: 76,
} as const

export const FILETYPE = { UNKNOWN: 0, DIRECTORY: 3, REGULAR_FILE: 4 } as const

export const OFLAGS = { CREAT: 1, DIRECTORY: 2, EXCL: 4, TRUNC: 8 } as const

export const FDFLAGS_APPEND = 1

export const RIGHTS = {
  FD_READ: 1n << 1n,
  FD_WRITE: 1n << 6n,
  /** Everything preview1 defines: the shim checks capability by fd kind, not by rights bits. */
  ALL: (1n << 29n) - 1n,
} as const

export const CLOCK = { REALTIME: 0, MONOTONIC: 1, PROCESS_CPUTIME: 2, THREAD_CPUTIME: 3 } as const

/** Thrown by proc_exit to unwind the guest; the driver turns it into the exit status. */
export class WasiExit {
  constructor(readonly code: number) {}
}

/** A guest pointer outside its memory: the call returns EFAULT instead of touching host memory. */
export class GuestFault extends Error {
  override readonly name = 'GuestFault'
}
