import { describe, expect, it } from 'vitest'
import { HostMetrics } from '../../host/observe/metrics.js'

describe('HostMetrics off (--no-metrics)', () => {
  it('collects no process metrics, so nothing samples the idle event loop', async () => {
    const off = new HostMetrics(false)
    expect(off.registry.getSingleMetric('fnhost_process_cpu_user_seconds_total')).toBeUndefined()
    expect(off.registry.getSingleMetric('fnhost_nodejs_eventloop_lag_seconds')).toBeUndefined()
    off.request('f', 200, 'none', 0.001)
    const requests = await off.registry.getSingleMetric('fnhost_requests_total')?.get()
    expect(requests?.values ?? []).toEqual([])
  })

  it('collects them when on', () => {
    const on = new HostMetrics(true)
    expect(on.registry.getSingleMetric('fnhost_process_cpu_user_seconds_total')).toBeDefined()
    expect(on.registry.getSingleMetric('fnhost_nodejs_eventloop_lag_seconds')).toBeDefined()
  })
})
