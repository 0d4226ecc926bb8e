import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'
import { parse, UsageError, withUsage } from './args.js'

const USAGE = `usage: fnhost new <name> [--lang js|ts|c] [--dir DIR]

Writes a starter handler DIR/<name>.js (default), DIR/<name>.ts (typed with fnhost/types) or
DIR/<name>.c; DIR defaults to ./functions.
<name> may hold folders ('api/users') and [param] segments ('users/[id]'). Existing files are kept.`

const NAME =
  /^(?:[A-Za-z0-9_-]+|\[[A-Za-z_][A-Za-z0-9_]*\])(?:\/(?:[A-Za-z0-9_-]+|\[[A-Za-z_][A-Za-z0-9_]*\]))*$/

function jsStarter(route: string, file: string): string {
  return `/**
 * ${route}: a fetch-style handler, run in its own QuickJS sandbox.
 * Try it: fnhost invoke ${file} --path '${route}?name=Ada'
 */
export default {
  async fetch(request) {
    const name = new URL(request.url).searchParams.get('name') ?? 'world'
    return Response.json({ hello: name })
  },
}
`
}

function tsStarter(route: string, file: string): string {
  return `/**
 * ${route}: a fetch-style handler in TypeScript, bundled with its imports when fnhost loads it.
 * Try it: fnhost invoke ${file} --path '${route}?name=Ada'
 */
import type { FetchHandler } from 'fnhost/types'

export default {
  async fetch(request, env, ctx) {
    const name = new URL(request.url).searchParams.get('name') ?? 'world'
    return Response.json({ hello: name, params: ctx.params, envKeys: Object.keys(env) })
  },
} satisfies FetchHandler
`
}

const STARTERS = { js: jsStarter, ts: tsStarter, c: cStarter }

function cStarter(route: string): string {
  return `/*
 * ${route}: a WAGI handler in C (see fnhost.h in the fnhost package for the SDK).
 * Build it:  fnhost build   (writes the .wasm beside this file)
 * Answers:   GET ${route}?name=Ada -> 200 application/json {"hello":"Ada"}
 */
#include <string.h>

#include "fnhost.h"

int main(void) {
  char name[128];
  if (fnh_query("name", name, sizeof name) < 0) strcpy(name, "world");
  fnh_header_add("content-type", "application/json");
  fnh_puts("{\\"hello\\":");
  fnh_write_json_string(name);
  fnh_puts("}");
  return 0;
}
`
}

export async function run(argv: string[]): Promise<number> {
  return withUsage(USAGE, async () => {
    const { values, positionals } = parse(argv, {
      options: {
        lang: { type: 'string', default: 'js' },
        dir: { type: 'string', default: 'functions' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    })
    if (values.help) {
      process.stdout.write(USAGE + '\n')
      return 0
    }
    const [name, ...extra] = positionals
    if (name === undefined || extra.length > 0) throw new UsageError('new takes exactly one name')
    if (!NAME.test(name))
      throw new UsageError(
        `'${name}' is not a handler name: use letters, digits, - and _, folders with /, params as [id]`,
      )
    const lang = values.lang
    if (lang !== 'js' && lang !== 'ts' && lang !== 'c')
      throw new UsageError(`--lang is js, ts or c, got '${lang}'`)
    const file = join(resolve(values.dir), `${name}.${lang}`)
    const route = '/' + name.replace(/\[([A-Za-z0-9_]+)\]/g, ':$1').replace(/(^|\/)index$/, '')
    await mkdir(dirname(file), { recursive: true })
    try {
      const shown = relative(process.cwd(), file)
      await writeFile(file, STARTERS[lang](route, shown), { flag: 'wx' })
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
      process.stderr.write(
        `fnhost new: ${relative(process.cwd(), file)} already exists; not overwritten\n`,
      )
      return 1
    }
    process.stdout.write(`wrote ${relative(process.cwd(), file)}\n`)
    if (lang === 'c') process.stdout.write(`build it with: fnhost build ${values.dir}\n`)
    return 0
  })
}
