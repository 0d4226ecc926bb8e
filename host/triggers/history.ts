/** One run of a function's scheduled handler, as `GET /functions/{name}/runs` shows it. */
export interface RunRecord {
  trigger: 'cron' | 'manual'
  /** The cron expression that fired ('manual' for a manual trigger). */
  cron: string
  scheduledTime: string
  startedAt: string
  durationMs: number
  requestId: string
  /** The guest's HTTP status, when it answered. */
  status?: number
  /** The host error code, when the run failed (CPU_LIMIT, GUEST_ERROR, ...). */
  error?: string
}

export const HISTORY_RUNS = 50

/** The last runs of each function, newest first. */
export class RunHistory {
  private readonly runs = new Map<string, RunRecord[]>()

  constructor(private readonly capacity = HISTORY_RUNS) {}

  add(fn: string, run: RunRecord): void {
    let list = this.runs.get(fn)
    if (!list) this.runs.set(fn, (list = []))
    list.unshift(run)
    if (list.length > this.capacity) list.length = this.capacity
  }

  list(fn: string): RunRecord[] {
    return [...(this.runs.get(fn) ?? [])]
  }

  /** Forgets functions no longer deployed. */
  retain(names: Set<string>): void {
    for (const name of this.runs.keys()) if (!names.has(name)) this.runs.delete(name)
  }
}
