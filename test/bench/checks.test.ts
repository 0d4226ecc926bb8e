import { afterAll, beforeAll, describe, it } from 'vitest'
import { workspace, type Workspace } from '../../bench/fixtures.js'
import { checkColdStart } from '../../bench/scenarios/cold-start.js'
import { checkDensity } from '../../bench/scenarios/density.js'
import { checkLimits } from '../../bench/scenarios/limits.js'
import { checkObserve } from '../../bench/scenarios/observe.js'
import { checkOverhead } from '../../bench/scenarios/overhead.js'
import {
  checkThroughput,
  THROUGHPUT_NAMES,
  throughputScenarios,
} from '../../bench/scenarios/throughput.js'
import { QUICK } from '../../bench/settings.js'

/** Every bench scenario's answer check, run once without timing and without the load generator. */
describe('bench scenarios answer correctly', () => {
  let ws: Workspace
  beforeAll(async () => {
    ws = await workspace()
  })
  afterAll(async () => {
    await ws[Symbol.asyncDispose]()
  })

  for (const name of THROUGHPUT_NAMES)
    it(`${name}`, () => checkThroughput(throughputScenarios[name], ws), 60_000)

  it('cold-start', () => checkColdStart(ws), 60_000)
  it('density', () => checkDensity(ws), 60_000)
  it('overhead', () => checkOverhead(ws), 60_000)
  it('limits', () => checkLimits(ws, QUICK), 60_000)
  it('observe', () => checkObserve(ws), 60_000)
})
