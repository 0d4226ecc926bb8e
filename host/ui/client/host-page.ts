import { json, type Overview } from './api.js'
import { duration, h, setText } from './dom.js'

const POLL_MS = 2000

const STATS = [
  ['version', 'Version'],
  ['uptime', 'Uptime'],
  ['workers', 'Workers'],
  ['running', 'Running in workers'],
  ['queued', 'Queued'],
  ['requestsInFlight', 'Requests in flight'],
  ['memory', 'Sandbox memory'],
  ['sandboxes', 'Sandboxes loaded'],
  ['deadlineStops', 'Deadline stops (CPU_LIMIT)'],
  ['workerKills', 'Worker kills'],
  ['workerRestarts', 'Worker restarts'],
  ['workerCrashes', 'Worker crashes'],
  ['sandboxRebuilds', 'Sandbox rebuilds'],
  ['rejected', 'Rejected (OVERLOADED)'],
] as const

/** The host: workers, load, memory against the budget, stops and kills, uptime, version. */
export function hostPage(main: HTMLElement): () => void {
  const dd: Record<string, HTMLElement> = {}
  const grid = h('dl', { class: 'stats' })
  for (const [key, title] of STATS) {
    dd[key] = h('dd', { 'data-stat': key }, '—')
    grid.append(h('div', { class: 'stat' }, h('dt', {}, title), dd[key]))
  }
  const meter = h('meter', {
    id: 'mem-meter',
    min: 0,
    max: 1,
    value: 0,
    'aria-label': 'Sandbox memory against its budget',
  })
  dd.memory!.after(meter)
  const status = h('p', { class: 'status', role: 'status' }, 'loading…')
  main.replaceChildren(h('h1', {}, 'Host'), status, grid)

  let timer = 0
  let stopped = false
  async function refresh(): Promise<void> {
    try {
      const o = await json<Overview>('/_fnhost/ui/data/overview')
      if (stopped) return
      const s = o.host
      setText(dd.version!, o.version + (o.dev ? ' (dev mode)' : ''))
      setText(dd.uptime!, duration(o.uptimeS))
      setText(dd.workers!, `${s.workers}${s.starting ? ` (+${s.starting} starting)` : ''}`)
      for (const k of [
        'running',
        'queued',
        'requestsInFlight',
        'sandboxes',
        'deadlineStops',
        'workerKills',
        'workerRestarts',
        'workerCrashes',
        'sandboxRebuilds',
        'rejected',
      ])
        setText(dd[k]!, String(s[k] ?? 0))
      const used = s.sandboxMemoryMb ?? 0
      const budget = s.sandboxBudgetMb ?? 0
      // What sandboxes use is often under a MiB: one decimal below 10.
      const shown = used < 10 ? used.toFixed(1) : Math.round(used).toString()
      setText(dd.memory!, `${shown} / ${budget} MiB`)
      meter.max = Math.max(1, budget)
      meter.value = used
      setText(status, `updated ${new Date().toLocaleTimeString()}`)
    } catch (e) {
      if (!stopped) setText(status, `could not load the host: ${(e as Error).message}`)
    }
    if (!stopped) timer = window.setTimeout(() => void refresh(), POLL_MS)
  }
  void refresh()
  return () => {
    stopped = true
    window.clearTimeout(timer)
  }
}
