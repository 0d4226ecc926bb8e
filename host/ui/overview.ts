import { relative } from 'node:path'
import type { AppObserve } from '../observation.js'
import type { PoolStats } from '../pool/api.js'
import type { Registry } from '../registry/registry.js'
import type { Slot } from '../registry/slot.js'
import { kindLabel } from '../sandbox/labels.js'
import { fnhostVersion } from '../assets.js'
import type { TrafficSeries } from './series.js'

export interface OverviewSources {
  registry: Registry
  observe: AppObserve
  series: TrafficSeries
  startedAt: number
  pool?: () => PoolStats
  sandboxBudgetMb?: number
}

function kindOf(slot: Slot): string {
  return kindLabel(slot.spec?.kind, slot.file)
}

/** Everything the Functions and Host pages poll, in one answer. */
export async function overview(src: OverviewSources) {
  const slots = src.registry.list()
  const next = new Map(src.observe.triggers?.scheduled().map((s) => [s.name, s.nextRun]) ?? [])
  const series = await src.series.read(slots.map((s) => s.name))
  const functions = Object.fromEntries(
    slots.map((s) => [s.name, { kind: kindOf(s), nextRun: next.get(s.name), ...series[s.name] }]),
  )
  const pool = src.pool?.()
  return {
    version: fnhostVersion(),
    uptimeS: Math.round((Date.now() - src.startedAt) / 1000),
    dev: !!src.observe.dev,
    sampleMs: src.series.sampleMs,
    host: {
      workers: pool?.workers ?? 0,
      starting: pool?.starting ?? 0,
      running: pool?.inFlight ?? 0,
      queued: pool?.queued ?? 0,
      requestsInFlight: (await gaugeValue(src.observe, 'fnhost_requests_in_flight')) ?? 0,
      sandboxes: pool?.sandboxes ?? 0,
      sandboxMemoryMb: pool?.sandboxMemoryMb ?? 0,
      sandboxBudgetMb: src.sandboxBudgetMb ?? 0,
      deadlineStops: await deadlineStops(src.observe),
      workerKills: pool?.kills ?? 0,
      workerRestarts: pool?.respawns ?? 0,
      workerCrashes: pool?.crashes ?? 0,
      sandboxRebuilds: pool?.guest.sandboxRebuilds ?? 0,
      rejected: pool?.rejected ?? 0,
    },
    functions,
  }
}

/** One function beyond what the management API lists: its file, kind, config and next run. */
export function functionDetail(src: OverviewSources, slot: Slot) {
  const spec = slot.spec
  const config = spec
    ? {
        ...spec.config,
        // Values can be secrets: a dashboard is shown on screens, so it names the keys only.
        env: Object.fromEntries(Object.keys(spec.config.env).map((k) => [k, '(set)'])),
      }
    : undefined
  const scheduled = src.observe.triggers?.scheduled().find((s) => s.name === slot.name)
  return {
    name: slot.name,
    file: relative(src.registry.dir, slot.file),
    kind: kindOf(slot),
    config,
    nextRun: scheduled?.nextRun,
  }
}

/** Invocations stopped at their deadline: CPU_LIMIT answers and cron runs. */
async function deadlineStops(observe: AppObserve): Promise<number> {
  let n = 0
  const reg = observe.metrics.registry
  for (const v of (await reg.getSingleMetric('fnhost_requests_total')?.get())?.values ?? [])
    if (v.labels.error === 'CPU_LIMIT') n += v.value
  for (const v of (await reg.getSingleMetric('fnhost_cron_runs_total')?.get())?.values ?? [])
    if (v.labels.outcome === 'CPU_LIMIT') n += v.value
  return n
}

async function gaugeValue(observe: AppObserve, name: string): Promise<number | undefined> {
  return (await observe.metrics.registry.getSingleMetric(name)?.get())?.values[0]?.value
}
