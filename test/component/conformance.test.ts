import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createComponentDriver } from '../../host/sandbox/component/driver.js'
import { scaled } from '../helpers/time.js'
import { conformanceCases, runConformanceCase } from '../sandbox/conformance.js'

describe('conformance: component driver, in-process', () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'fnhost-component-cache-'))
  const driver = createComponentDriver({ cacheDir })
  afterAll(() => rmSync(cacheDir, { recursive: true, force: true }))

  const cases = conformanceCases(['component'])
  it('has HTTP and scheduled cases', () => {
    expect(cases.map((c) => c.name)).toEqual(
      expect.arrayContaining(['hello.component', 'scheduled.component']),
    )
  })
  for (const c of cases)
    it(c.name, () => runConformanceCase(c, (spec) => driver.load(spec)), scaled(30_000))
})
