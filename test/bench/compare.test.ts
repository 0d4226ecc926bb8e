import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compareRatios, comparisonSection, readEarlierRun } from '../../bench/compare.js'

describe('--compare', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fnhost-compare-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('prints each scenario ratio against an earlier --json result', async () => {
    const file = join(dir, 'before.json')
    const earlierReport = {
      machine: { date: '2026-11-22T00:01:00.000Z', loadAverage1m: 0.32 },
      scenarios: [
        { name: 'baseline', ratioToBaseline: 1 },
        { name: 'js-trivial', ratioToBaseline: 0.078 },
        { name: 'wagi-c', ratioToBaseline: 0.085 },
      ],
    }
    await writeFile(file, JSON.stringify(earlierReport))
    const c = compareRatios(await readEarlierRun(file), [
      { name: 'baseline', ratioToBaseline: 1 },
      { name: 'js-trivial', ratioToBaseline: 0.156 },
      { name: 'fnmicro', ratioToBaseline: 0.1 },
    ])
    expect(c.changes.map((x) => [x.name, x.before, x.now])).toEqual([
      ['baseline', 1, 1],
      ['js-trivial', 0.078, 0.156],
    ])
    expect(c.changes[1]?.change).toBeCloseTo(1, 6)
    expect(c.onlyNow).toEqual(['fnmicro'])
    expect(c.onlyBefore).toEqual(['wagi-c'])
    const text = comparisonSection(c)
    expect(text).toContain('load 0.32')
    expect(text).toMatch(/js-trivial\s+0\.078 -> 0\.156\s+\+100\.0 %/)
    expect(text).toMatch(/baseline\s+1\.000 -> 1\.000\s+0\.0 %/)
  })

  it('refuses a file that is not a bench result', async () => {
    const notJson = join(dir, 'not.json')
    await writeFile(notJson, 'wrk 4.1.0')
    await expect(readEarlierRun(notJson)).rejects.toThrow(/--compare/)
    const other = join(dir, 'other.json')
    await writeFile(other, JSON.stringify({ name: 'fnhost' }))
    await expect(readEarlierRun(other)).rejects.toThrow(/no scenarios list/)
    await expect(readEarlierRun(join(dir, 'missing.json'))).rejects.toThrow(/ENOENT/)
  })
})
