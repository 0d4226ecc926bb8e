import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { ToolchainMissingError } from '../toolchain/clang.js'
import { BOARD_NAMES, BOARDS, isBoardName } from '../sandbox/micro/firmware/boards.js'
import { buildFirmware, FirmwareBuildError } from '../sandbox/micro/firmware/firmware.js'
import { formatSizes } from '../sandbox/micro/firmware/sizes.js'
import { WasmFormatError } from '../sandbox/wasm/reader.js'
import { parse, UsageError, withUsage } from './args.js'

const USAGE = `usage: fnhost build --board ${BOARD_NAMES.join('|')} FILE.wasm -o DIR

Translates an fnmicro module with wasm2c and compiles it with the device runtime (guests/mcu):
an ELF for an MPS2 board (arm-none-eabi-gcc -Os, picolibc), an executable for native. Prints the
size report: flash (text + rodata + data) and RAM (data + bss + stack), the 64 KiB linear
memory shown apart. Run it with: fnhost invoke --board B FILE.wasm`

export function run(argv: string[]): Promise<number> {
  return withUsage(USAGE, async () => {
    const { values, positionals } = parse(argv, {
      allowPositionals: true,
      options: {
        board: { type: 'string' },
        out: { type: 'string', short: 'o' },
        help: { type: 'boolean', short: 'h' },
      },
    })
    if (values.help) {
      process.stdout.write(USAGE + '\n')
      return 0
    }
    const board = values.board ?? ''
    if (!isBoardName(board))
      throw new UsageError(`--board takes ${BOARD_NAMES.join(', ')}; got '${board}'`)
    if (positionals.length !== 1 || !positionals[0]?.endsWith('.wasm'))
      throw new UsageError('build --board takes one .wasm file')
    if (values.out === undefined) throw new UsageError('build --board needs -o DIR')
    const file = resolve(positionals[0])
    const bytes = await readFile(file).catch(() => undefined)
    if (!bytes) {
      process.stderr.write(`fnhost build: file not found: ${file}\n`)
      return 1
    }
    try {
      const fw = await buildFirmware(new Uint8Array(bytes), board, resolve(values.out))
      process.stdout.write(`built ${fw.file} for ${BOARDS[board].describe}\n`)
      process.stdout.write(formatSizes(fw.sizes) + '\n')
      return 0
    } catch (e) {
      if (e instanceof WasmFormatError) {
        process.stderr.write(`fnhost build: ${positionals[0]} is ${e.message}\n`)
        return 1
      }
      if (e instanceof ToolchainMissingError || e instanceof FirmwareBuildError) {
        process.stderr.write(`fnhost build: ${e.message}\n`)
        return 1
      }
      throw e
    }
  })
}
