import { afterEach, describe, expect, it } from 'vitest'
import type { RunRecord } from '../../host/triggers/history.js'
import { collect, listeningUrl, runCli, spawnCli } from '../helpers/cli.js'
import { functionsDir, type TempDir } from '../helpers/fsdir.js'
import { scaled } from '../helpers/time.js'

const KEY = 'cli-admin-key-0123456'
const ENV = { FNHOST_ADMIN_KEY: KEY }

describe('fnhost trigger and fnhost logs', () => {
  let dir: TempDir | undefined
  afterEach(async () => dir?.[Symbol.asyncDispose]())

  it(
    'trigger a run, list the runs, print and follow the logs of a running host',
    async () => {
      dir = await functionsDir({
        'job.js': `export const config = { schedule: { cron: '0 0 1 1 *', payload: { from: 'schedule' } } }
export default { async fetch(req) { console.log('got', await req.text()); return new Response('ok') } }`,
      })
      const server = spawnCli(
        ['serve', dir.path, '--port', '0', '--no-cron', '--log-format', 'json'],
        ENV,
      )
      const served = collect(server)
      try {
        const url = await listeningUrl(server)
        const trigger = await runCli(['trigger', 'job', '-d', '{"cli":1}', '--url', url], ENV)
        expect(trigger.code, trigger.stderr).toBe(0)
        const record = JSON.parse(trigger.stdout) as RunRecord
        expect(record).toMatchObject({ trigger: 'manual', status: 200 })

        const runs = await runCli(['trigger', 'job', '--runs', '--url', url], ENV)
        expect(runs.code, runs.stderr).toBe(0)
        expect(runs.stdout).toContain(record.requestId)
        expect(runs.stdout).toMatch(/manual\s+status 200/)

        const logs = await runCli(['logs', 'job', '--url', url], ENV)
        expect(logs.code, logs.stderr).toBe(0)
        expect(logs.stdout).toMatch(
          new RegExp(`INFO .*requestId=${record.requestId}.*got \\{"cli":1\\}`),
        )

        const follow = spawnCli(['logs', 'job', '-f', '--json', '--url', url], ENV)
        const followed = collect(follow)
        let out = ''
        follow.stdout?.on('data', (d) => (out += d))
        await waitFor(() => out.includes('got {\\"cli\\":1}'))
        const again = await runCli(['trigger', 'job', '--url', url], ENV)
        expect(again.code, again.stderr).toBe(0)
        await waitFor(() => out.includes('got {\\"from\\":\\"schedule\\"}'))
        follow.kill('SIGINT')
        expect((await followed).code).toBe(0)
        const lines = out
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>)
        expect(lines.filter((l) => l.src === 'guest').map((l) => l.message)).toEqual([
          'got {"cli":1}',
          'got {"from":"schedule"}',
        ])

        const noKey = await runCli(['trigger', 'job', '--url', url], { FNHOST_ADMIN_KEY: '' })
        expect(noKey.code).toBe(2)
        const wrong = await runCli(['trigger', 'nope', '--url', url], ENV)
        expect(wrong.code).toBe(1)
        expect(wrong.stderr).toMatch(/404 .*no function named "nope"/)
      } finally {
        server.kill('SIGTERM')
      }
      // serve logs JSON lines to stdout, beside its route table.
      const { stdout } = await served
      const json = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
      expect(
        json.some((l) => l.function === 'job' && l.src === 'guest' && l.msg === 'got {"cli":1}'),
      ).toBe(true)
    },
    scaled(60_000),
  )
})

async function waitFor(check: () => boolean, timeoutMs = scaled(10_000)): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met')
    await new Promise((r) => setTimeout(r, 20))
  }
}
