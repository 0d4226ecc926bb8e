import { vi } from 'vitest'

export interface Captured {
  code: number
  stdout: string
  stderr: string
}

/** Runs a CLI command's `run` in this process, capturing what it writes. */
export async function capture(
  run: (argv: string[]) => Promise<number>,
  argv: string[],
): Promise<Captured> {
  let stdout = ''
  let stderr = ''
  const out = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk) => ((stdout += String(chunk)), true))
  const err = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation((chunk) => ((stderr += String(chunk)), true))
  try {
    return { code: await run(argv), stdout, stderr }
  } finally {
    out.mockRestore()
    err.mockRestore()
  }
}
