import { stat } from 'node:fs/promises'
import { relative, resolve } from 'node:path'
import { ToolchainMissingError } from '../toolchain/clang.js'
import { buildHandlers, findHandlers } from '../toolchain/build-dir.js'
import { parse, UsageError, withUsage } from './args.js'

const USAGE = `usage: fnhost build [dir] [--component]

Compiles every C handler (*.c) under dir (default ./functions) into a .wasm beside it:
WAGI handlers (fnhost.h) as wasm32-wasi commands, fnmicro handlers (fnmicro.h) as
freestanding one-page modules, wasi:http components (fnhost_http.h) as components.
--component builds every handler as a component. Files and folders starting with _ or .
are skipped.

fnhost build --board mps2-an505|mps2-an385|native FILE.wasm -o DIR compiles an fnmicro
module for a microcontroller (see docs/mcu.md).`

const ABI_NAMES = { wagi: 'WAGI', fnmicro: 'fnmicro', 'wasi-http': 'wasi:http component' } as const

export async function run(argv: string[]): Promise<number> {
  // `--board`: an fnmicro .wasm compiled for a microcontroller, a command of its own.
  if (argv.some((a) => a === '--board' || a.startsWith('--board=')))
    return (await import('./build-board.js')).run(argv)
  return withUsage(USAGE, async () => {
    const { values, positionals } = parse(argv, {
      options: { help: { type: 'boolean', short: 'h' }, component: { type: 'boolean' } },
      allowPositionals: true,
    })
    if (values.help) {
      process.stdout.write(USAGE + '\n')
      return 0
    }
    if (positionals.length > 1) throw new UsageError('build takes at most one folder')
    const dir = resolve(positionals[0] ?? 'functions')
    if (!(await stat(dir).catch(() => undefined))?.isDirectory()) {
      process.stderr.write(`fnhost build: folder not found: ${dir}\n`)
      return 1
    }
    const files = await findHandlers(dir)
    if (files.length === 0) {
      process.stdout.write(`no C handlers (*.c) in ${dir}\n`)
      return 0
    }
    const name = (f: string) => relative(dir, f)
    try {
      const results = await buildHandlers(
        files,
        (b) => {
          if (b.ok) {
            const kib = ((b.bytes ?? 0) / 1024).toFixed(1)
            process.stdout.write(`built ${name(b.output)} (${ABI_NAMES[b.abi]}, ${kib} KiB)\n`)
            if (b.diagnostics) process.stderr.write(b.diagnostics)
          } else process.stderr.write(`failed ${name(b.source)}:\n${b.diagnostics}\n`)
        },
        values.component ? 'wasi-http' : undefined,
      )
      const failed = results.filter((r) => !r.ok).length
      if (failed > 0)
        process.stderr.write(`${failed} of ${results.length} handlers failed to build\n`)
      return failed > 0 ? 1 : 0
    } catch (e) {
      if (!(e instanceof ToolchainMissingError)) throw e
      process.stderr.write(`fnhost build: ${e.message}\n`)
      return 1
    }
  })
}
