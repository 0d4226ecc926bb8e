import { ApiError, call, errorOf, fnPath, json, type FunctionInfo } from './api.js'
import { deployForm } from './deploy-form.js'
import { h, setText, time } from './dom.js'
import { invokePanel } from './invoke-panel.js'
import { logTail } from './log-tail.js'
import { runsPanel } from './runs-panel.js'

interface Detail {
  name: string
  file: string
  kind: string
  config?: Record<string, unknown>
  nextRun?: string
}

const POLL_MS = 5000
const SUMMARY = [
  ['state', 'State'],
  ['route', 'Routes'],
  ['kind', 'Kind'],
  ['access', 'Access'],
  ['version', 'Version'],
  ['updated', 'Deployed'],
  ['schedule', 'Schedule'],
  ['file', 'File'],
] as const

function configValue(v: unknown): string {
  if (Array.isArray(v)) return v.join(', ')
  return typeof v === 'string' ? v : JSON.stringify(v)
}

/** One function: what it is, its log, runs and an invoke panel; deploy a new version, delete. */
export function functionPage(main: HTMLElement, name: string): () => void {
  const cleanups: (() => void)[] = []
  const dd: Record<string, HTMLElement> = {}
  const summary = h('dl', { class: 'summary' })
  for (const [key, title] of SUMMARY) {
    dd[key] = h('dd', { 'data-field': key })
    summary.append(h('div', {}, h('dt', {}, title), dd[key]))
  }
  const config = h('dl', { class: 'config' })
  const status = h('p', { class: 'status', role: 'status' }, 'loading…')
  const side = h('div', { class: 'side' })
  main.replaceChildren(
    h('p', {}, h('a', { href: '#/functions' }, '← All functions')),
    h('h1', {}, name),
    status,
    h('section', { class: 'panel', 'aria-label': 'Summary' }, summary),
    side,
  )

  let info: FunctionInfo | undefined
  let detail: Detail | undefined
  let timer = 0
  let stopped = false
  let built = false

  async function refresh(): Promise<void> {
    window.clearTimeout(timer)
    try {
      ;[info, detail] = await Promise.all([
        json<FunctionInfo>(`/_fnhost/v1/functions/${fnPath(name)}`),
        json<Detail>(`/_fnhost/ui/data/functions/${fnPath(name)}`),
      ])
      if (stopped) return
      render(info, detail)
      setText(status, '')
    } catch (e) {
      if (stopped) return
      setText(
        status,
        e instanceof ApiError && e.status === 404
          ? `${name} is not deployed`
          : `could not load ${name}: ${(e as Error).message}`,
      )
    }
    if (!stopped) timer = window.setTimeout(() => void refresh(), POLL_MS)
  }

  function render(fn: FunctionInfo, d: Detail): void {
    setText(dd.state!, fn.state === 'failed' ? `failed: ${fn.reason ?? ''}` : 'ready')
    dd.state!.className = fn.state
    setText(dd.route!, fn.routes.join(', '))
    setText(dd.kind!, d.kind)
    setText(dd.access!, fn.private ? 'private (JWT)' : 'public')
    setText(dd.version!, fn.version.slice(0, 12))
    dd.version!.title = fn.version
    setText(dd.updated!, time(fn.updated))
    setText(dd.schedule!, fn.schedule ? `${fn.schedule} · next ${time(d.nextRun)}` : '—')
    setText(dd.file!, d.file)
    config.replaceChildren(
      ...Object.entries(d.config ?? {}).map(([k, v]) =>
        h('div', {}, h('dt', {}, k), h('dd', {}, configValue(v))),
      ),
    )
    if (!built) build(fn)
  }

  function build(fn: FunctionInfo): void {
    built = true
    const log = logTail(name)
    cleanups.push(log.stop)
    const parts: HTMLElement[] = [invokePanel(name, fn.route), log.el]
    if (fn.schedule) {
      const runs = runsPanel(name, () => detail?.nextRun)
      cleanups.push(runs.stop)
      parts.push(runs.el)
    }
    parts.push(
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'cfg-h' },
        h('h2', { id: 'cfg-h' }, 'Config'),
        config,
      ),
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'dep-h' },
        h('h2', { id: 'dep-h' }, 'Deploy a new version'),
        deployForm({ name, onDeployed: () => void refresh() }),
      ),
      deletePanel(),
    )
    side.replaceChildren(...parts)
  }

  function deletePanel(): HTMLElement {
    const result = h('p', { class: 'result', role: 'status' })
    const button = h('button', { type: 'button', class: 'danger' }, `Delete ${name}`)
    let armed = false
    button.addEventListener('click', async () => {
      if (!armed) {
        armed = true
        setText(button, `Really delete ${name}? Press again`)
        return
      }
      button.disabled = true
      const res = await call(`/_fnhost/v1/functions/${fnPath(name)}`, { method: 'DELETE' })
      if (res.ok) location.hash = '#/functions'
      else {
        const e = await errorOf(res)
        result.classList.add('error')
        setText(result, `refused (${e.status} ${e.code}): ${e.message}`)
        button.disabled = false
      }
    })
    button.addEventListener('blur', () => {
      armed = false
      setText(button, `Delete ${name}`)
    })
    return h(
      'section',
      { class: 'panel', 'aria-labelledby': 'del-h' },
      h('h2', { id: 'del-h' }, 'Delete'),
      button,
      result,
    )
  }

  void refresh()
  return () => {
    stopped = true
    window.clearTimeout(timer)
    for (const c of cleanups) c()
  }
}
