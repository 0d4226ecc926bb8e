import { describe, it } from 'vitest'
import { wasiDriver } from '../../../host/sandbox/wasi/driver.js'
import { conformanceCases, runConformanceCase } from '../conformance.js'

describe('conformance: wasi driver, in-process', () => {
  for (const c of conformanceCases(['wasi']))
    it(c.name, () => runConformanceCase(c, (spec) => wasiDriver.load(spec)))
})
