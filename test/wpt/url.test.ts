import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { packageRoot } from '../../host/paths.js'
import { startHost, type TestHost } from '../helpers/host.js'
import { wptJson } from './data.js'

type Components = Record<string, unknown>
interface ParseCase {
  input: string
  base: string | null
  failure?: boolean
  [field: string]: unknown
}
interface SetterCase {
  href: string
  new_value: string
  expected: Components
}
type Answer = Components

const FIELDS = [
  'href',
  'origin',
  'protocol',
  'username',
  'password',
  'host',
  'hostname',
  'port',
  'pathname',
  'search',
  'hash',
]

/** WPT's url-constructor.any.js and url-statics-canparse checks for one case. */
function parsePasses(c: ParseCase, got: Answer): boolean {
  if (c.failure) return 'failed' in got && got.canParse === false
  if ('failed' in got || 'threw' in got) return false
  return got.canParse === true && FIELDS.every((f) => c[f] === undefined || c[f] === got[f])
}

function nodeParse(c: ParseCase): Answer {
  try {
    const url = c.base === null ? new URL(c.input) : new URL(c.input, c.base)
    const out: Components = {
      canParse: URL.canParse(c.input, c.base ?? undefined),
    }
    for (const f of FIELDS) out[f] = url[f as keyof URL] as string
    return out
  } catch {
    return { failed: true, canParse: URL.canParse(c.input, c.base ?? undefined) }
  }
}

function setterPasses(c: SetterCase, got: Answer): boolean {
  if ('failed' in got || 'threw' in got) return false
  return Object.entries(c.expected).every(([k, v]) => got[k] === v)
}

function nodeSet(c: SetterCase & { setter: string }): Answer {
  try {
    const url = new URL(c.href)
    ;(url as unknown as Record<string, string>)[c.setter] = c.new_value
    const out: Components = {}
    for (const f of FIELDS) out[f] = url[f as keyof URL] as string
    return out
  } catch (e) {
    return { threw: String(e) }
  }
}

describe("WPT URL data through a served guest's URL", () => {
  let t: TestHost
  beforeAll(async () => {
    t = await startHost('app.request', { dir: join(packageRoot, 'test/fixtures/wpt') })
  })
  afterAll(async () => t?.[Symbol.asyncDispose]())

  const run = async (body: unknown): Promise<Answer[]> => {
    const res = await t.call('/url', { method: 'POST', body: JSON.stringify(body) })
    expect(res.status).toBe(200)
    return (await res.json()) as Answer[]
  }

  it('passes at least 862 of the 869 parsing cases (urltestdata.json), and as many as Node', async () => {
    const cases = wptJson<(ParseCase | string)[]>('url/urltestdata.json').filter(
      (c): c is ParseCase => typeof c === 'object',
    )
    expect(cases.length).toBe(869)
    const answers = await run({ parse: cases.map(({ input, base }) => ({ input, base })) })
    const failing = cases.filter((c, i) => !parsePasses(c, answers[i]!))
    const guest = cases.length - failing.length
    const node = cases.filter((c) => parsePasses(c, nodeParse(c))).length
    const shown = JSON.stringify(failing.map((c) => [c.input, c.base]))
    expect(guest, `failing: ${shown}`).toBeGreaterThanOrEqual(862)
    expect(guest).toBeGreaterThanOrEqual(node)
  })

  it("passes at least as many setter cases (setters_tests.json) as Node's URL", async () => {
    const data = wptJson<Record<string, SetterCase[] | string>>('url/setters_tests.json')
    const cases = Object.entries(data).flatMap(([setter, list]) =>
      typeof list === 'string' ? [] : list.map((c) => ({ ...c, setter })),
    )
    const answers = await run({
      set: cases.map(({ href, setter, new_value }) => ({ href, setter, new_value })),
    })
    const guest = cases.filter((c, i) => setterPasses(c, answers[i]!)).length
    const node = cases.filter((c) => setterPasses(c, nodeSet(c))).length
    expect(node).toBeGreaterThan(250)
    expect(guest).toBeGreaterThanOrEqual(node)
  })
})
