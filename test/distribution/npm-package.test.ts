import { execFile, spawn } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { packageRoot } from '../../host/paths.js'
import { collect, listeningUrl } from '../helpers/cli.js'
import { scaled } from '../helpers/time.js'
import { EXAMPLE_CHECKS, checkAnswers } from './run.js'

const exec = promisify(execFile)
const PACK_MS = scaled(90_000)
const INSTALL_MS = scaled(90_000)
const SQLITE_ADDON = 'build/Release/better_sqlite3.node'

/*
 * The npm package as a user installs it: `npm pack` (its prepack build), then an install of the
 * tarball alone into an empty project, then `npx fnhost`. Dependencies come from the npm registry
 * (from npm's cache where it can); better-sqlite3's native addon comes from a local prebuild made
 * of this checkout's own compiled addon, so the install neither downloads a binary from GitHub nor
 * compiles one (a user without a matching prebuild compiles it with node-gyp).
 */
describe('the npm package', () => {
  let work: string
  let project: string
  let tarball: string
  let files: string[]

  beforeAll(
    async () => {
      work = await mkdtemp(join(tmpdir(), 'fnhost-npm-'))
      const { stdout } = await exec('npm', ['pack', '--json', '--pack-destination', work], {
        cwd: packageRoot,
        timeout: PACK_MS,
      })
      const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as {
        filename: string
        files: { path: string }[]
      }[]
      tarball = join(work, packed!.filename)
      files = packed!.files.map((f) => f.path)

      const prebuilds = join(work, 'prebuilds')
      await mkdir(prebuilds)
      const { version } = JSON.parse(
        await readFile(join(packageRoot, 'node_modules/better-sqlite3/package.json'), 'utf8'),
      ) as { version: string }
      const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`
      await exec('tar', ['czf', join(prebuilds, name), SQLITE_ADDON], {
        cwd: join(packageRoot, 'node_modules/better-sqlite3'),
      })

      project = join(work, 'project')
      await mkdir(join(project, 'functions/c'), { recursive: true })
      await writeFile(join(project, 'package.json'), '{ "name": "project", "private": true }\n')
      for (const c of EXAMPLE_CHECKS)
        await copyFile(
          join(packageRoot, 'guests/examples', c.example),
          join(project, 'functions', c.file),
        )
      await exec('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], {
        cwd: project,
        timeout: INSTALL_MS,
        env: { ...process.env, npm_config_better_sqlite3_local_prebuilds: prebuilds },
      })
    },
    PACK_MS + INSTALL_MS + scaled(10_000),
  )
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true })
  })

  it('packs the built code and what it reads at run time, not the sources or tests', () => {
    for (const f of [
      'package.json',
      'dist/host/cli/main.js',
      'dist/host/pool/worker.js',
      'guests/js/base.js',
      'guests/c/fnhost.h',
      'guests/examples/hello.js',
    ])
      expect(files).toContain(f)
    expect(files).toContain('host/types-public/index.d.ts')
    const sources = files.filter(
      (f) => /^(host|test|bench|scripts)\//.test(f) && !f.startsWith('host/types-public/'),
    )
    expect(sources).toEqual([])
    // TypeScript ships only as the examples users copy (functions, bundled at load) and types.
    const ts = files.filter((f) => /(?<!\.d)\.ts$/.test(f) && !f.startsWith('guests/examples/'))
    expect(ts).toEqual([])
  })

  it('installed better-sqlite3 from the local prebuild (no compiler, no download)', async () => {
    const installed = await readFile(join(project, 'node_modules/better-sqlite3', SQLITE_ADDON))
    const ours = await readFile(join(packageRoot, 'node_modules/better-sqlite3', SQLITE_ADDON))
    expect(installed.equals(ours)).toBe(true)
  })

  it('serves a folder of every kind with npx fnhost serve', async () => {
    // Its own process group, so the server npx starts is stopped with it.
    const child = spawn(
      'npx',
      ['fnhost', 'serve', './functions', '--port', '0', '--workers', '1'],
      {
        cwd: project,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    const result = collect(child)
    try {
      await checkAnswers(await listeningUrl(child, scaled(30_000)))
    } finally {
      process.kill(-child.pid!, 'SIGTERM')
    }
    await result
  })

  it('passes npx fnhost selftest', async () => {
    const { stdout } = await exec('npx', ['fnhost', 'selftest'], { cwd: project })
    expect(stdout).toMatch(/^all 5 kinds pass$/m)
  })
})
