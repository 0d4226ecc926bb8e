/** The body every hello-world scenario answers, the baseline included, so they move the same bytes. */
export const HELLO = 'Hello, world!\n'

/** An exact body, or (for the host's own error answers) the `error` code of its JSON body. */
export type Expected = { status: number; body: string } | { status: number; error: string }

export class WrongAnswerError extends Error {
  override readonly name = 'WrongAnswerError'
}

/** The `error` code of a host error body, or undefined for any other body. */
export function errorCode(body: string): string | undefined {
  try {
    const code = (JSON.parse(body) as { error?: unknown }).error
    return typeof code === 'string' ? code : undefined
  } catch {
    return undefined
  }
}

function matches(expected: Expected, status: number, body: string): boolean {
  if (status !== expected.status) return false
  return 'body' in expected ? body === expected.body : errorCode(body) === expected.error
}

/** Longest any single bench request may take: a stuck server fails its scenario, never hangs it. */
export const REQUEST_TIMEOUT_MS = 15_000

export interface Answer {
  status: number
  body: string
  ms: number
}

/** GET `url` and read the whole body, timed from the call to the last byte. */
export async function get(url: string): Promise<Answer> {
  const start = performance.now()
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
    const body = await res.text()
    return { status: res.status, body, ms: performance.now() - start }
  } catch (e) {
    throw new WrongAnswerError(`GET ${url} failed: ${(e as Error).message}`, { cause: e })
  }
}

/** Requests `url` once and throws unless status and body are what the scenario promises. */
export async function checkAnswer(url: string, expected: Expected): Promise<void> {
  const { status, body } = await get(url)
  if (!matches(expected, status, body))
    throw new WrongAnswerError(
      `GET ${url}: expected ${JSON.stringify(expected)}, got ${status} ${JSON.stringify(body.slice(0, 500))}`,
    )
}
