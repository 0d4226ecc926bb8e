import { describe, expect, it } from 'vitest'
import { createComponentDriver } from '../../host/sandbox/component/driver.js'
import { scaled } from '../helpers/time.js'
import { transpiledCache } from '../helpers/transpiled.js'
import { conformanceCases, runConformanceCase } from '../sandbox/conformance.js'

describe('conformance: component driver, in-process', () => {
  const driver = createComponentDriver({ cacheDir: transpiledCache() })

  const cases = conformanceCases(['component'])
  it('has HTTP and scheduled cases', () => {
    expect(cases.map((c) => c.name)).toEqual(
      expect.arrayContaining(['hello.component', 'scheduled.component']),
    )
  })
  for (const c of cases)
    it(c.name, () => runConformanceCase(c, (spec) => driver.load(spec)), scaled(30_000))
})
