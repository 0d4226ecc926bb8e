import { describe, expect, it } from 'vitest'
import {
  CHECK_SPARE_AFTER_MS,
  checkEngine,
  checkSpareReady,
} from '../../../host/sandbox/quickjs/check-engine.js'
import { dropEngine } from '../../../host/sandbox/quickjs/template.js'
import { eventually } from '../../helpers/fsdir.js'
import { scaled } from '../../helpers/time.js'

/** Long enough for the next check's engine to be made, on a busy machine. */
const SPARE_WAIT_MS = CHECK_SPARE_AFTER_MS + scaled(3000)

describe('engines for scan-time checks', () => {
  it('makes the next check engine ahead, fresh: nothing of the check before it', async () => {
    const first = await checkEngine(64)
    const set = first.context.evalCode('globalThis.leftover = "from the first check"; 1')
    first.context.unwrapResult(set).dispose()
    await eventually(async () => checkSpareReady(64), SPARE_WAIT_MS)
    const second = await checkEngine(64)
    // Taken: the one after it is made later.
    expect(checkSpareReady(64)).toBe(false)
    expect(second.instance).not.toBe(first.instance)
    expect(second.instance.memory).not.toBe(first.instance.memory)
    const seen = second.context.unwrapResult(second.context.evalCode('typeof globalThis.leftover'))
    expect(second.context.getString(seen)).toBe('undefined')
    seen.dispose()
    dropEngine(first)
    dropEngine(second)
  })
})
