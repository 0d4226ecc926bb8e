import { checkAnswer, HELLO } from '../answer.js'
import { startFnhost } from '../children.js'
import { cpuWindow, type CpuPerRequest } from '../cpu.js'
import { benchFunction, type Workspace } from '../fixtures.js'
import type { LoadGenerator, LoadResult } from '../load.js'
import type { Settings } from '../settings.js'

export interface WarmUpWindow extends LoadResult {
  cpu: CpuPerRequest
}

export interface WarmUpResult {
  windowS: number
  /** The first window of load, right after a fresh host answered its first request. */
  first: WarmUpWindow
  /** The window right after it, same host, same load. */
  next: WarmUpWindow
}

/**
 * How a fresh host serves in its first seconds: `fnhost serve` started on js-trivial, its answer
 * checked (that one request loads the function), then two back-to-back timed runs of the same
 * load, no warm-up before the first. Each window's CPU is split like the throughput figures, so
 * a first window that spends its time compiling shows it under other threads.
 */
export async function measureWarmUp(
  ws: Workspace,
  settings: Settings,
  generator: LoadGenerator,
): Promise<WarmUpResult> {
  const dir = await ws.folder('warm-up', { 'js-trivial.js': await benchFunction('js-trivial.js') })
  const expected = { status: 200, body: HELLO }
  const server = await startFnhost(dir)
  try {
    const url = server.url + '/js-trivial'
    await checkAnswer(url, expected)
    const load = {
      connections: settings.connections,
      threads: settings.threads,
      durationS: settings.warmUpWindowS,
    }
    const timed = async (): Promise<WarmUpWindow> => {
      const window = cpuWindow(server.pid)
      const result = await generator.run(url, load)
      return { ...result, cpu: window.end(result.requests) }
    }
    const first = await timed()
    const next = await timed()
    await checkAnswer(url, expected)
    return { windowS: settings.warmUpWindowS, first, next }
  } finally {
    await server.stop()
  }
}

/** The report's `warm-up` line, with what each window cost. */
export function warmUpSection(w: WarmUpResult): string {
  const line = (label: string, x: WarmUpWindow) =>
    `  ${label}  ${Math.round(x.rps).toLocaleString('en-US').padStart(7)} req/s` +
    `  p50 ${x.p50Ms.toFixed(2)} ms  p99 ${x.p99Ms.toFixed(2)} ms  errors ${x.errors}` +
    `  CPU µs/req: main ${x.cpu.mainUs.toFixed(1)}, workers ${x.cpu.workersUs.toFixed(1)}, other ${x.cpu.otherUs.toFixed(1)}`
  return [
    `warm-up: js-trivial on a fresh host, p99 ${w.first.p99Ms.toFixed(2)} ms in the first ${w.windowS} s under load, ${w.next.p99Ms.toFixed(2)} ms in the next ${w.windowS} s`,
    line(`first ${w.windowS} s`, w.first),
    line(`next ${w.windowS} s `, w.next),
  ].join('\n')
}
