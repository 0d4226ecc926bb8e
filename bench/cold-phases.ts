import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { get } from './answer.js'
import { startFnhost } from './children.js'
import { workspace, writeFiles } from './fixtures.js'
import { bundledSource, prepareBundledFolder } from './scenarios/cold-start-bundled.js'
import { median, sleep } from './stats.js'

/*
 * Where a new bundled function's first answer spends its time: runs the bench's bundled cold
 * start against a host started with FNHOST_PHASE_MARKS (host/observe/phase-marks.ts) and prints
 * the median time from the file's write to each mark, then the median length of each phase.
 *   npx tsx bench/cold-phases.ts [runs]
 * With PHASES_PLAIN=1 the functions are plain JavaScript (the bench's plain new-file figure).
 * With PHASES_POLL_AFTER_MS=n the client starts polling n ms after the write, so the phases run
 * without the polling's 404s competing for the CPU.
 */
const runs = Number(process.argv[2] ?? 15)
const plain = process.env.PHASES_PLAIN === '1'
const plainSource = (name: string) =>
  `export default { fetch: () => new Response(${JSON.stringify(`${name}\n`)}) }\n`
const marks = join(process.cwd(), 'node_modules/.cache/fnhost/phase-marks.txt')
mkdirSync(dirname(marks), { recursive: true })
writeFileSync(marks, '')
process.env.FNHOST_PHASE_MARKS = marks
const now = () => performance.timeOrigin + performance.now()
const mark = (label: string, detail = '') =>
  appendFileSync(marks, `${now().toFixed(2)} client ${label} ${detail}\n`)

await using ws = await workspace()
const dir = await ws.folder('cold-phases', {})
const bytes = await prepareBundledFolder(dir, (files) => writeFiles(dir, files))
const server = await startFnhost(dir)
const totals: number[] = []
try {
  await get(`${server.url}/_fnhost/health`)
  await sleep(500)
  for (let i = 0; i < runs; i++) {
    const name = `bundled-${i}`
    // Back to back, as the bench writes them, unless PHASES_GAP_MS asks for a pause.
    await sleep(Number(process.env.PHASES_GAP_MS ?? 0))
    mark('run', name)
    const start = performance.now()
    if (plain) await writeFile(join(dir, `${name}.js`), plainSource(name))
    else await writeFile(join(dir, `${name}.ts`), bundledSource(name))
    mark('written')
    let polls = 0
    if (process.env.PHASES_POLL_AFTER_MS) await sleep(Number(process.env.PHASES_POLL_AFTER_MS))
    for (;;) {
      const r = await get(`${server.url}/${name}`)
      polls++
      if (r.status === 200) break
      await sleep(1)
    }
    totals.push(performance.now() - start)
    mark('polls', String(polls))
    mark('first200')
  }
} finally {
  await server.stop()
}

// Each run: time of every mark after 'run', relative to the write; the first of each label.
const lines = readFileSync(marks, 'utf8').trim().split('\n')
const perRun: Map<string, number>[] = []
let current: Map<string, number> | undefined
let t0 = 0
for (const line of lines) {
  const [at, thread, label] = line.split(' ') as [string, string, string]
  if (label === 'run') {
    current = new Map()
    perRun.push(current)
    t0 = Number(at)
    continue
  }
  if (!current) continue
  const key = `${label}@${thread === 'client' ? 'c' : thread}`
  if (!current.has(key)) current.set(key, Number(at) - t0)
}
const order = new Map<string, number[]>()
for (const run of perRun) for (const [k, v] of run) order.set(k, [...(order.get(k) ?? []), v])
const rows = [...order].map(([k, v]) => [k, median(v), v.length] as const)
rows.sort((a, b) => a[1] - b[1])
console.log(
  `bundle ${bytes} bytes, ${runs} runs, load ${readFileSync('/proc/loadavg', 'utf8').trim()}`,
)
for (const [k, m, n] of rows) console.log(`${m.toFixed(1).padStart(8)} ms  ${k}  (${n})`)
/** Phase lengths: from one mark to the next, each in whichever thread set it. */
const PHASES: [string, string, string][] = [
  ['write -> watcher event', 'run@c', 'watch:event@'],
  ['watcher event -> bundling thread', 'watch:event@', 'bt:recv@'],
  ['esbuild', 'bt:esbuild-start@', 'bt:esbuild-done@'],
  ['bundle -> main thread', 'bt:esbuild-done@', 'bundle:got@'],
  ['config check, listing', 'bundle:got@', 'listed@'],
  ['bundle on main -> load sent', 'bundle:got@', 'load:start@'],
  ['load sent -> worker', 'load:start@', 'w:load-recv@'],
  ['engine, prelude, decode', 'w:load-recv@', 'w:decoded@'],
  ['QuickJS compile + module eval', 'w:decoded@', 'w:evalCode@'],
  ['evaluated -> load done on main', 'w:evalCode@', 'load:done@'],
  ['load done -> request in worker', 'load:done@', 'w:invoke@'],
  ['request in worker -> 200 read', 'w:invoke@', 'first200@c'],
]
const at = (run: Map<string, number>, prefix: string) =>
  prefix === 'run@c' ? 0 : [...run].find(([k]) => k.startsWith(prefix))?.[1]
console.log('phase lengths (median ms):')
for (const [label, from, to] of PHASES) {
  const spans = perRun
    .map((run) => [at(run, from), at(run, to)])
    .filter((p): p is [number, number] => p[0] !== undefined && p[1] !== undefined)
    .map(([a, b]) => b - a)
  if (spans.length) console.log(`${median(spans).toFixed(1).padStart(8)}  ${label}`)
}
console.log(
  `first 200 median ${median(totals).toFixed(1)} ms; all: ${totals.map((t) => t.toFixed(0)).join(' ')}`,
)
