import { ApiError, fnPath, json } from './api.js'
import { clock, h, num, setText, time } from './dom.js'

interface Run {
  trigger: string
  scheduledTime: string
  startedAt: string
  durationMs: number
  status?: number
  error?: string
}

const POLL_MS = 5000

function outcome(run: Run): string {
  return run.error ?? `status ${run.status}`
}

/** The function's last scheduled and manual runs, and a button to run it now. */
export function runsPanel(
  name: string,
  nextRun: () => string | undefined,
): { el: HTMLElement; stop: () => void } {
  const list = h('tbody')
  const result = h('p', { class: 'result', role: 'status', 'aria-live': 'polite' })
  const next = h('p', { class: 'next' })
  const button = h('button', { type: 'button' }, 'Run now')
  let timer = 0
  let stopped = false

  async function refresh(): Promise<void> {
    window.clearTimeout(timer)
    try {
      const r = await json<{ runs: Run[] }>(`/_fnhost/v1/functions/${fnPath(name)}/runs`)
      if (stopped) return
      list.replaceChildren(
        ...r.runs.map((run) =>
          h(
            'tr',
            { 'data-outcome': run.error ?? String(run.status) },
            h('td', { 'data-label': 'Trigger' }, run.trigger),
            h(
              'td',
              { 'data-label': 'Started' },
              h('time', { datetime: run.startedAt }, clock(run.startedAt)),
            ),
            h('td', { 'data-label': 'Took' }, `${num(run.durationMs)} ms`),
            h(
              'td',
              {
                'data-label': 'Outcome',
                class: run.error || (run.status ?? 0) >= 500 ? 'bad' : 'ok',
              },
              outcome(run),
            ),
          ),
        ),
      )
      if (!r.runs.length) list.append(h('tr', {}, h('td', { colspan: 4 }, 'no runs yet')))
      setText(next, `next scheduled run: ${time(nextRun())}`)
    } catch {
      // The next poll tries again; the page's own status shows a lost host.
    }
    if (!stopped) timer = window.setTimeout(() => void refresh(), POLL_MS)
  }

  button.addEventListener('click', async () => {
    button.disabled = true
    setText(result, 'running…')
    try {
      const run = await json<Run>(`/_fnhost/v1/functions/${fnPath(name)}/trigger`, {
        method: 'POST',
      })
      setText(result, `ran: ${outcome(run)} in ${num(run.durationMs)} ms`)
    } catch (e) {
      setText(
        result,
        e instanceof ApiError ? `refused (${e.code}): ${e.message}` : (e as Error).message,
      )
    } finally {
      button.disabled = false
      void refresh()
    }
  })

  void refresh()
  const el = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'runs-h' },
    h('div', { class: 'panel-head' }, h('h2', { id: 'runs-h' }, 'Runs'), button),
    next,
    result,
    h(
      'table',
      { class: 'runs' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Trigger', 'Started', 'Took', 'Outcome'].map((t) => h('th', { scope: 'col' }, t)),
        ),
      ),
      list,
    ),
  )
  return {
    el,
    stop: () => {
      stopped = true
      window.clearTimeout(timer)
    },
  }
}
