import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import type { Slot } from '../registry/slot.js'
import type { FunctionSpec } from '../types.js'

/** A function as the management API shows it. */
export interface FunctionInfo {
  name: string
  route: string
  routes: string[]
  /** The sandbox that runs it (absent when it failed to load before one was chosen). */
  driver?: string
  methods?: string[]
  private?: boolean
  /** The cron expression (with its time zone, when one is set). */
  schedule?: string
  /** SHA-256 of the file (hex): what `If-Match` compares. */
  version: string
  state: 'ready' | 'failed'
  reason?: string
  updated: string
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** The version of the file on disk now, or undefined when it is gone. */
export async function fileVersion(file: string): Promise<string | undefined> {
  try {
    return sha256(await readFile(file))
  } catch {
    return undefined
  }
}

/** What is served: the source, and the packages a split bundle left to its vendor bundle. */
function servedVersion(spec: FunctionSpec): string {
  if (!spec.vendor) return sha256(spec.source)
  return sha256(Buffer.concat([spec.source, Buffer.from(`\0${spec.vendor.digest}`)]))
}

export async function describe(slot: Slot): Promise<FunctionInfo> {
  const spec = slot.spec
  const updated = await stat(slot.file).then(
    (s) => s.mtime.toISOString(),
    () => new Date(0).toISOString(),
  )
  const info: FunctionInfo = {
    name: slot.name,
    route: slot.routes[0] ?? '',
    routes: slot.routes,
    version: spec ? servedVersion(spec) : ((await fileVersion(slot.file)) ?? ''),
    state: spec ? 'ready' : 'failed',
    updated,
  }
  if (spec) {
    info.driver = spec.kind
    info.methods = spec.config.methods
    info.private = spec.config.private
    const schedule = spec.config.schedule
    if (schedule !== undefined)
      info.schedule =
        typeof schedule === 'string'
          ? schedule
          : `${schedule.cron}${schedule.timezone ? ` (${schedule.timezone})` : ''}`
  } else info.reason = slot.failure
  return info
}
