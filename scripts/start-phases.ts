/**
 * Where a start of `fnhost serve` spends its time: starts the host N times with
 * FNHOST_TRACE_START=1 (host/observe/start-trace.ts), asks a function once it listens, and prints
 * the median time of each traced phase after the spawn, per thread, plus the first 200.
 *
 *   npx tsx scripts/start-phases.ts [--binary] [--runs N] [--function js-trivial.js] [dir]
 *
 * Without --binary it runs `node dist/host/cli/main.js` (npm run build first); the default folder
 * holds bench/functions/js-trivial.js alone, as the bench's `binary` section does.
 */
import { spawn } from 'node:child_process'
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { packageRoot } from '../host/paths.js'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    binary: { type: 'boolean' },
    runs: { type: 'string', default: '10' },
    function: { type: 'string', default: 'js-trivial.js' },
  },
})

const now = () => performance.timeOrigin + performance.now()

interface Run {
  phases: Map<string, number>
  /** The tracing thread's own CPU time (ms) at each phase. */
  mainCpu: Map<string, number>
  first200: number
  /** CPU time (ms) each thread had used by the first 200: the main thread, then the others. */
  cpu: { main: number; threads: number[] }
}

/** CPU time of every thread of `pid` so far, from Linux's schedstat (ns on CPU). */
function threadCpu(pid: number): Run['cpu'] {
  const ms = (tid: string) =>
    Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e6
  const tids = readdirSync(`/proc/${pid}/task`)
  return {
    main: ms(String(pid)),
    threads: tids
      .filter((t) => t !== String(pid))
      .map(ms)
      .sort((a, b) => b - a),
  }
}

async function once(command: string, args: string[], path: string): Promise<Run> {
  const began = now()
  const child = spawn(command, args, {
    cwd: packageRoot,
    env: { ...process.env, FNHOST_TRACE_START: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const phases = new Map<string, number>()
  const mainCpu = new Map<string, number>()
  let err = ''
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (m) resolve((m[1] as string).replace(/\/$/, ''))
    })
    child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${out}\n${err}`)))
  })
  const res = await fetch(url + path)
  const body = await res.text()
  const first200 = now() - began
  const cpu = threadCpu(child.pid as number)
  if (res.status !== 200) throw new Error(`${path} answered ${res.status} ${body}`)
  await new Promise((r) => setTimeout(r, 50))
  child.kill('SIGTERM')
  await new Promise((r) => child.once('exit', r))
  for (const line of err.split('\n')) {
    const m = /^fnhost-trace (\S+) (\S+) (.*?)(?: \(cpu (\d+) ms\))?$/.exec(line)
    if (!m) continue
    const [, at, thread, phase, cpuMs] = m as unknown as [string, string, string, string, string?]
    const key = `${thread} ${phase}`
    if (phases.has(key)) continue
    phases.set(key, Number(at) - began)
    if (cpuMs !== undefined) mainCpu.set(key, Number(cpuMs))
  }
  return { phases, mainCpu, first200, cpu }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor((s.length - 1) / 2)] as number
}

const dir = positionals[0] ?? mkdtempSync(join(tmpdir(), 'fnhost-phases-'))
if (!positionals[0])
  copyFileSync(join(packageRoot, 'bench/functions', values.function), join(dir, values.function))
const serveArgs = ['serve', dir, '--port', '0', '--quiet']
const [command, args] = values.binary
  ? [join(packageRoot, 'dist/bin', `fnhost-${process.platform}-${process.arch}`), serveArgs]
  : [process.execPath, [join(packageRoot, 'dist/host/cli/main.js'), ...serveArgs]]
const path = '/' + values.function.replace(/\.[^.]+$/, '')
const runs: Run[] = []
try {
  for (let i = 0; i < Number(values.runs); i++) runs.push(await once(command, args, path))
} finally {
  if (!positionals[0]) rmSync(dir, { recursive: true, force: true })
}
const keys = new Map<string, number[]>()
for (const r of runs) for (const [k, v] of r.phases) keys.set(k, [...(keys.get(k) ?? []), v])
const cpuAt = (k: string) => {
  const v = runs.flatMap((r) => (r.mainCpu.has(k) ? [r.mainCpu.get(k) as number] : []))
  return v.length ? `  [cpu ${median(v)} ms]` : ''
}
const rows = [...keys].map(([k, v]) => [k + cpuAt(k), median(v), v.length] as const)
rows.sort((a, b) => a[1] - b[1])
for (const [k, v, n] of rows)
  console.log(
    `${v.toFixed(1).padStart(8)} ms  ${k}${n < runs.length ? `  (${n}/${runs.length})` : ''}`,
  )
console.log(
  `${median(runs.map((r) => r.first200))
    .toFixed(1)
    .padStart(8)} ms  first 200 (median of ${runs.length})`,
)
const cpuMain = median(runs.map((r) => r.cpu.main))
const cpuAll = median(runs.map((r) => r.cpu.main + r.cpu.threads.reduce((a, b) => a + b, 0)))
const busiest = [0, 1, 2, 3].map((i) => median(runs.map((r) => r.cpu.threads[i] ?? 0)).toFixed(0))
console.log(
  `CPU by the first 200 (medians): main thread ${cpuMain.toFixed(0)} ms, all threads ${cpuAll.toFixed(0)} ms; busiest other threads ${busiest.join(', ')} ms`,
)
