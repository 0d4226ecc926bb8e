import { json, type FunctionInfo, type Overview } from './api.js'
import { deployForm } from './deploy-form.js'
import { h, num, setText, time } from './dom.js'
import { drawSparkline, sparkline } from './sparkline.js'

const POLL_MS = 5000

interface Row {
  tr: HTMLTableRowElement
  cells: Record<string, HTMLElement>
  rps: SVGSVGElement
  p99: SVGSVGElement
}

const COLUMNS = [
  ['name', 'Function'],
  ['route', 'Route'],
  ['kind', 'Kind'],
  ['state', 'State'],
  ['access', 'Access'],
  ['schedule', 'Schedule'],
  ['rps', 'Req/s'],
  ['p99', 'p99'],
  ['errors', 'Errors'],
] as const

/** Every function with its state and recent traffic; a form to deploy a new one. */
export function functionsPage(main: HTMLElement): () => void {
  const rows = new Map<string, Row>()
  const tbody = h('tbody')
  const status = h('p', { class: 'status', role: 'status' }, 'loading…')
  const table = h(
    'table',
    { class: 'functions' },
    h('caption', { class: 'sr-only' }, 'Functions'),
    h('thead', {}, h('tr', {}, ...COLUMNS.map(([, t]) => h('th', { scope: 'col' }, t)))),
    tbody,
  )
  main.replaceChildren(
    h('h1', {}, 'Functions'),
    status,
    h('div', { class: 'table-wrap' }, table),
    h(
      'section',
      { 'aria-labelledby': 'deploy-h' },
      h('h2', { id: 'deploy-h' }, 'Deploy a function'),
      deployForm({ onDeployed: () => void refresh() }),
    ),
  )

  let timer = 0
  let stopped = false
  async function refresh(): Promise<void> {
    window.clearTimeout(timer)
    try {
      const [list, overview] = await Promise.all([
        json<{ functions: FunctionInfo[] }>('/_fnhost/v1/functions'),
        json<Overview>('/_fnhost/ui/data/overview'),
      ])
      if (stopped) return
      render(list.functions, overview)
      setText(
        status,
        `${list.functions.length} functions · updated ${new Date().toLocaleTimeString()}`,
      )
    } catch (e) {
      if (!stopped) setText(status, `could not load the functions: ${(e as Error).message}`)
    }
    if (!stopped) timer = window.setTimeout(() => void refresh(), POLL_MS)
  }

  function render(list: FunctionInfo[], overview: Overview): void {
    const seen = new Set<string>()
    list.sort((a, b) => a.name.localeCompare(b.name))
    list.forEach((fn, i) => {
      seen.add(fn.name)
      const row = rows.get(fn.name) ?? newRow(fn.name)
      if (tbody.children[i] !== row.tr) tbody.insertBefore(row.tr, tbody.children[i] ?? null)
      const s = overview.functions[fn.name]
      const c = row.cells
      setText(c.route!, fn.routes.join(', '))
      setText(c.kind!, s?.kind ?? fn.driver ?? '')
      row.tr.dataset.state = fn.state
      setText(c.state!.firstElementChild!, fn.state)
      setText(c.state!.lastElementChild!, fn.state === 'failed' ? (fn.reason ?? '') : '')
      setText(c.access!, fn.private ? 'private' : 'public')
      setText(c.schedule!, fn.schedule ? `${fn.schedule} · next ${time(s?.nextRun)}` : '—')
      drawSparkline(row.rps, s?.rps ?? [], 'requests per second')
      drawSparkline(row.p99, s?.p99Ms ?? [], 'p99 latency in ms')
      setText(c.rps!.lastElementChild!, num(s?.rps.at(-1) ?? 0))
      const p99 = s?.p99Ms.filter((x) => x !== null).at(-1)
      setText(c.p99!.lastElementChild!, p99 === undefined ? '—' : `${num(p99)} ms`)
      const recent = (s?.errors ?? []).reduce((a, b) => a + b, 0)
      setText(c.errors!, `${recent} in 5 min · ${s?.errorsTotal ?? 0} total`)
    })
    for (const [name, row] of rows)
      if (!seen.has(name)) {
        row.tr.remove()
        rows.delete(name)
      }
  }

  function newRow(name: string): Row {
    const cells: Record<string, HTMLElement> = {}
    const rps = sparkline('requests per second')
    const p99 = sparkline('p99 latency in ms')
    const tr = h('tr', { 'data-fn': name })
    for (const [key, title] of COLUMNS) {
      const td = h('td', { 'data-label': title, class: `c-${key}` })
      cells[key] = td
      tr.append(td)
    }
    cells.name!.append(h('a', { href: `#/functions/${name}` }, name))
    cells.state!.append(h('span', { class: 'badge' }), h('span', { class: 'reason' }))
    cells.rps!.append(rps, h('span', { class: 'val' }))
    cells.p99!.append(p99, h('span', { class: 'val' }))
    const row = { tr, cells, rps, p99 }
    rows.set(name, row)
    return row
  }

  void refresh()
  return () => {
    stopped = true
    window.clearTimeout(timer)
  }
}
