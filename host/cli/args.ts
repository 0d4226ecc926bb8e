import { parseArgs, type ParseArgsConfig } from 'node:util'

export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/** node:util parseArgs with its errors turned into UsageError (exit code 2). */
export function parse<T extends ParseArgsConfig>(argv: string[], config: T) {
  try {
    return parseArgs({ ...config, args: argv, strict: true })
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
}

export function intOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`${name} takes a whole number, got '${value}'`)
  return n
}

/** Runs a command body, mapping UsageError to exit code 2 with the command's usage line. */
export async function withUsage(usage: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body()
  } catch (e) {
    if (!(e instanceof UsageError)) throw e
    process.stderr.write(`fnhost: ${e.message}\n${usage}\n`)
    return 2
  }
}
