import { describe, it } from 'vitest'
import { microDriver } from '../../../host/sandbox/micro/driver.js'
import { conformanceCases, runConformanceCase } from '../conformance.js'

describe('conformance: micro driver, in-process', () => {
  for (const c of conformanceCases(['micro']))
    it(c.name, () => runConformanceCase(c, (spec) => microDriver.load(spec)))
})
