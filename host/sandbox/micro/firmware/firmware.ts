import { execFile } from 'node:child_process'
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { guestsDir } from '../../../paths.js'
import { LOG_IMPORT, checkMicroModule } from '../profile.js'
import { parseModule } from '../../wasm/module.js'
import { BOARDS, type BoardName } from './boards.js'
import { parseSizes, type FirmwareSizes } from './sizes.js'
import { findMcuTools, type McuTools } from './tools.js'

const run = promisify(execFile)

export const MCU_DIR = join(guestsDir, 'mcu')
const RUNTIME_SOURCES = ['fnm_rt.c', 'fnm_device.c']

export interface Firmware {
  board: BoardName
  /** The ELF for a board, the executable for native. */
  file: string
  sizes: FirmwareSizes
}

/** A build step that failed, with the tool's diagnostics. */
export class FirmwareBuildError extends Error {
  override readonly name = 'FirmwareBuildError'
}

async function tool(cmd: string, args: string[], what: string): Promise<string> {
  try {
    const { stdout } = await run(cmd, args, { maxBuffer: 16 * 1024 * 1024 })
    return stdout
  } catch (e) {
    const err = e as { stderr?: string; message: string }
    throw new FirmwareBuildError(`${what} failed:\n${err.stderr || err.message}`)
  }
}

/** wasm2c sizes the function table from the module; the runtime reserves exactly that. */
function tableElements(moduleC: string): number {
  const m = /wasm_rt_allocate_funcref_table\([^,]+,\s*(\d+)u?,/.exec(moduleC)
  return m ? Math.max(1, Number(m[1])) : 1
}

function compilerArgs(board: BoardName, dir: string, logImport: boolean, table: number): string[] {
  const b = BOARDS[board]
  const defines = {
    NDEBUG: '1',
    FNM_IMPORTS_LOG: logImport ? '1' : '0',
    FNM_TABLE_ELEMS: String(table),
    ...b.defines,
  }
  const common = [
    '-Os',
    '-std=gnu11',
    '-ffunction-sections',
    '-fdata-sections',
    '-I',
    dir,
    '-I',
    MCU_DIR,
    '-include',
    join(MCU_DIR, 'fnm_rt_config.h'),
    ...Object.entries(defines).map(([k, v]) => `-D${k}=${v}`),
    '-o',
    join(dir, firmwareName(board)),
    join(dir, 'fnm_module.c'),
    ...RUNTIME_SOURCES.map((s) => join(MCU_DIR, s)),
  ]
  if (!b.cpuFlags) return [...common, join(MCU_DIR, 'boards', 'native.c'), '-Wl,--gc-sections']
  return [
    ...b.cpuFlags,
    '--specs=picolibc.specs',
    '-nostartfiles',
    ...common,
    join(MCU_DIR, 'boards', 'cmsdk.c'),
    '-L',
    join(MCU_DIR, 'boards'),
    '-T',
    b.linkerScript as string,
    '-Wl,--gc-sections',
  ]
}

export function firmwareName(board: BoardName): string {
  return board === 'native' ? 'fnm-native' : `fnm-${board}.elf`
}

/**
 * Translates an fnmicro module with wasm2c and compiles it with the device runtime for `board`
 * into `dir`: fnm_module.c/.h, wasm-rt.h, compile.sh (the compiler command) and the firmware. Refuses a module outside the fnmicro
 * profile (WasmFormatError) and names missing Debian packages (ToolchainMissingError).
 */
export async function buildFirmware(
  wasm: Uint8Array,
  board: BoardName,
  dir: string,
  tools: McuTools = findMcuTools(BOARDS[board]),
): Promise<Firmware> {
  const info = parseModule(wasm)
  checkMicroModule(info)
  const logImport = info.imports.some(
    (i) => i.module === LOG_IMPORT.module && i.name === LOG_IMPORT.name,
  )
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'module.wasm'), wasm)
  await tool(
    tools.wasm2c,
    [join(dir, 'module.wasm'), '-n', 'fnm', '-o', join(dir, 'fnm_module.c')],
    'wasm2c',
  )
  await copyFile(tools.wasmRtHeader, join(dir, 'wasm-rt.h'))
  const table = tableElements(await readFile(join(dir, 'fnm_module.c'), 'utf8'))
  const file = join(dir, firmwareName(board))
  const args = compilerArgs(board, dir, logImport, table)
  // The exact command, so a port to another board starts from what built this one.
  const quoted = [tools.cc, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ')
  await writeFile(join(dir, 'compile.sh'), `#!/bin/sh\n${quoted}\n`)
  await tool(tools.cc, args, `compiling for ${board}`)
  const sizes = parseSizes(await tool(tools.size, ['-A', file], 'size'))
  return { board, file, sizes }
}
