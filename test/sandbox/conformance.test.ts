import { describe, it } from 'vitest'
import { quickjsDriver } from '../../host/sandbox/quickjs/driver.js'
import { conformanceCases, runConformanceCase } from './conformance.js'

describe('conformance: quickjs driver, in-process', () => {
  for (const c of conformanceCases(['quickjs']))
    it(c.name, () => runConformanceCase(c, (spec) => quickjsDriver.load(spec)))
})
