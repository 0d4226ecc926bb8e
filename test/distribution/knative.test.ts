import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Ajv } from 'ajv'
import { describe, expect, it } from 'vitest'
import { SERVE_OPTIONS } from '../../host/cli/serve.js'
import { HEALTH_PATH, LIVE_PATH } from '../../host/http/readiness.js'
import { packageRoot } from '../../host/paths.js'
import { poolDefaults } from '../../host/pool/options.js'
import { SERVER_LIMITS } from '../../host/server.js'
import { collect, listeningUrl, spawnCli } from '../helpers/cli.js'
import { scaled } from '../helpers/time.js'

const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown }
const read = (rel: string) => readFile(join(packageRoot, rel), 'utf8')
const readYaml = async (rel: string) => yaml.load(await read(rel))
const readJson = async (rel: string) => JSON.parse(await read(rel)) as object

/** Variables Knative sets in every container; a Service must not set them (runtime contract). */
const KNATIVE_RESERVED_ENV = ['PORT', 'K_SERVICE', 'K_CONFIGURATION', 'K_REVISION']
/** The port `fnhost serve` uses without --port or $PORT. */
const CLI_DEFAULT_PORT = 8080

interface Probe {
  httpGet: { path: string; port?: number }
}
interface Container {
  args: string[]
  ports: { name: string; containerPort: number }[]
  env: { name: string; value: string }[]
  readinessProbe: Probe
  livenessProbe: Probe
  resources: { limits: Record<string, string> }
  securityContext: { runAsNonRoot: boolean }
}
interface Service {
  spec: {
    template: {
      spec: { containerConcurrency: number; timeoutSeconds: number; containers: Container[] }
    }
  }
}
interface PingSource {
  spec: { data: string; contentType: string; sink: { ref: { name: string }; uri: string } }
}

async function validate(manifest: string, schema: string): Promise<unknown> {
  const doc = await readYaml(manifest)
  const check = new Ajv({ allErrors: true }).compile(await readJson(schema))
  expect(check(doc) ? [] : check.errors).toEqual([])
  return doc
}

describe('deploy/knative', () => {
  it('service.yaml and ping-source.yaml match the fields of the Knative CRDs they use', async () => {
    await validate('deploy/knative/service.yaml', 'deploy/knative/schema/service.schema.json')
    await validate(
      'deploy/knative/ping-source.yaml',
      'deploy/knative/schema/pingsource.schema.json',
    )
  })

  it('the schemas catch a misspelt or mistyped field', async () => {
    const check = new Ajv({ allErrors: true }).compile(
      await readJson('deploy/knative/schema/service.schema.json'),
    )
    const doc = (await readYaml('deploy/knative/service.yaml')) as Service
    const spec = doc.spec.template.spec as unknown as Record<string, unknown>
    expect(
      check({ ...doc, spec: { template: { spec: { ...spec, containerConcurency: 1 } } } }),
    ).toBe(false)
    expect(check({ ...doc, spec: { template: { spec: { ...spec, timeoutSeconds: '60' } } } })).toBe(
      false,
    )
  })

  it('service.yaml agrees with the CLI and the host: port, probes, flags, env, bounds', async () => {
    const doc = (await readYaml('deploy/knative/service.yaml')) as Service
    const spec = doc.spec.template.spec
    expect(spec.containers).toHaveLength(1)
    const c = spec.containers[0]!
    // One port, the one the CLI defaults to; Knative passes it in $PORT, which serve reads.
    expect(c.ports).toEqual([{ name: 'http1', containerPort: CLI_DEFAULT_PORT }])
    // Knative probes the serving port itself: a probe port, if any, must be that one.
    for (const probe of [c.readinessProbe, c.livenessProbe])
      expect([undefined, CLI_DEFAULT_PORT]).toContain(probe.httpGet.port)
    expect(c.readinessProbe.httpGet.path).toBe(HEALTH_PATH)
    expect(c.livenessProbe.httpGet.path).toBe(LIVE_PATH)
    // Every flag is one serve knows, with a value where it takes one.
    const [command, ...rest] = c.args
    expect(command).toBe('serve')
    expect(() =>
      parseArgs({ args: rest, options: SERVE_OPTIONS, allowPositionals: true, strict: true }),
    ).not.toThrow()
    for (const e of c.env) expect(KNATIVE_RESERVED_ENV).not.toContain(e.name)
    expect(c.env.find((e) => e.name === 'HOST')?.value).toBe('0.0.0.0')
    // The bounds: Knative's hard concurrency is the pool's running bound, the request timeout is
    // the server's, and the shutdown grace fits inside the time Knative gives a stopping pod.
    expect(spec.containerConcurrency).toBe(poolDefaults().maxConcurrent)
    expect(spec.timeoutSeconds * 1000).toBe(SERVER_LIMITS.requestTimeoutMs)
    const grace = Number(c.env.find((e) => e.name === 'FNHOST_GRACE_MS')?.value)
    expect(grace).toBeGreaterThan(0)
    expect(grace).toBeLessThan(spec.timeoutSeconds * 1000)
    // As many workers as the CPU limit allows.
    expect(rest[rest.indexOf('--workers') + 1]).toBe(c.resources.limits.cpu)
    expect(c.securityContext.runAsNonRoot).toBe(true)
  })

  it('serve runs with the manifest args and env: probes answer, the ping lands, SIGTERM honours the grace', async () => {
    const svc = (await readYaml('deploy/knative/service.yaml')) as Service
    const ping = (await readYaml('deploy/knative/ping-source.yaml')) as PingSource
    const c = svc.spec.template.spec.containers[0]!
    const env = Object.fromEntries(c.env.map((e) => [e.name, e.value]))
    // The image's /functions is guests/examples by default (deploy/Dockerfile). HOST is moved to
    // another loopback address: the test proves serve reads it without listening on every
    // interface; PORT 0 stands in for the port Knative assigns.
    const args = c.args.map((a) => (a === '/functions' ? join(packageRoot, 'guests/examples') : a))
    const child = spawnCli(args, { ...env, HOST: '127.0.0.2', PORT: '0' })
    const result = collect(child)
    try {
      const url = await listeningUrl(child, scaled(20_000))
      expect(url).toMatch(/^http:\/\/127\.0\.0\.2:\d+$/)
      expect((await fetch(url + c.readinessProbe.httpGet.path)).status).toBe(200)
      expect((await fetch(url + c.livenessProbe.httpGet.path)).status).toBe(200)
      expect(ping.spec.sink.ref.name).toBe('fnhost')
      const res = await fetch(url + ping.spec.sink.uri, {
        method: 'POST',
        headers: { 'content-type': ping.spec.contentType, 'ce-type': 'dev.knative.sources.ping' },
        body: ping.spec.data,
      })
      expect(res.status).toBe(200)
      expect(await res.json()).toMatchObject({ method: 'POST', body: ping.spec.data })
    } finally {
      child.kill('SIGTERM')
    }
    const { code, stdout } = await result
    expect(code).toBe(0)
    expect(stdout).toContain(`(up to ${env.FNHOST_GRACE_MS} ms)`)
  })

  it('deploy/Dockerfile: multi-stage, builds the binary, runs it alone as a non-root user on $PORT', async () => {
    const text = await read('deploy/Dockerfile')
    const lines = text.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'))
    const stages = lines.filter((l) => /^FROM\s/i.test(l))
    expect(stages.length).toBeGreaterThanOrEqual(2)
    const buildStage = /^FROM\s+\S+\s+AS\s+(\S+)/i.exec(stages[0]!)?.[1]
    expect(buildStage).toBeDefined()
    const scripts = (JSON.parse(await read('package.json')) as { scripts: Record<string, string> })
      .scripts
    expect(scripts['build:binary']).toBeDefined()
    expect(text).toMatch(/RUN npm run build:binary/)
    expect(text).toContain('dist/bin/fnhost-linux-')
    const final = lines.slice(lines.indexOf(stages.at(-1)!))
    const copy = final.find((l) => l.startsWith(`COPY --from=${buildStage} `))
    const binary = copy?.trim().split(/\s+/).at(-1)
    expect(binary).toBe('/usr/local/bin/fnhost')
    // The final image runs the binary itself, as a numeric non-root user.
    expect(final.find((l) => l.startsWith('ENTRYPOINT'))).toBe(`ENTRYPOINT ["${binary}"]`)
    const user = final.find((l) => l.startsWith('USER'))?.split(/\s+/)[1]
    expect(user).toMatch(/^[1-9]\d*(:[1-9]\d*)?$/)
    expect(final.some((l) => /\b(npm|node)\s/.test(l) && !l.startsWith('COPY'))).toBe(false)
    // PORT and HOST as serve reads them; the exposed port is the Service's containerPort.
    expect(final.find((l) => l.startsWith('ENV'))).toMatch(/PORT=8080 HOST=0\.0\.0\.0/)
    expect(final).toContain(`EXPOSE ${CLI_DEFAULT_PORT}`)
    const cmd = JSON.parse(final.find((l) => l.startsWith('CMD'))!.slice(4)) as string[]
    expect(cmd[0]).toBe('serve')
    expect(() =>
      parseArgs({
        args: cmd.slice(1),
        options: SERVE_OPTIONS,
        allowPositionals: true,
        strict: true,
      }),
    ).not.toThrow()
  })
})
