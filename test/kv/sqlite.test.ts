import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import { openKvStore } from '../../host/kv/backends.js'
import { KV_LIMIT_DEFAULTS } from '../../host/kv/limits.js'
import { kvConformance } from './conformance.js'

const root = mkdtempSync(join(tmpdir(), 'fnhost-kv-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let n = 0

kvConformance('sqlite', async (limits) =>
  openKvStore({
    backend: 'sqlite',
    dir: join(root, String(n++)),
    limits: { ...KV_LIMIT_DEFAULTS, ...limits },
  }),
)
