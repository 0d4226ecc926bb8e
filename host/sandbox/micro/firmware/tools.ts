import { existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { ToolchainMissingError } from '../../../toolchain/clang.js'
import type { Board } from './boards.js'

/** The Debian packages behind each tool, named when one is missing. */
const PACKAGES: Record<string, string> = {
  wasm2c: 'wabt',
  'arm-none-eabi-gcc': 'gcc-arm-none-eabi',
  'arm-none-eabi-size': 'binutils-arm-none-eabi',
  picolibc: 'picolibc-arm-none-eabi',
  'qemu-system-arm': 'qemu-system-arm',
  cc: 'gcc',
  size: 'binutils',
}

/** wabt's runtime header, which the wasm2c output includes; found where Debian installs it. */
const WASM_RT_HEADERS = ['/usr/include/wasm-rt.h', '/usr/src/wasm2c/wasm-rt.h']
const PICOLIBC_SPECS = '/usr/lib/picolibc/arm-none-eabi/picolibc.specs'

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name)
    if (dir && existsSync(candidate)) return candidate
  }
  return undefined
}

export interface McuTools {
  wasm2c: string
  wasmRtHeader: string
  cc: string
  size: string
}

function missing(names: string[]): ToolchainMissingError {
  const packages = [...new Set(names.map((n) => PACKAGES[n] ?? n))]
  return new ToolchainMissingError(
    `missing ${names.join(', ')}; install with: apt-get install ${packages.join(' ')}`,
  )
}

/** The tools a board's build needs; throws ToolchainMissingError naming the Debian packages. */
export function findMcuTools(board: Board): McuTools {
  const cross = board.cpuFlags !== undefined
  const ccName = cross ? 'arm-none-eabi-gcc' : 'cc'
  const sizeName = cross ? 'arm-none-eabi-size' : 'size'
  const found = {
    wasm2c: onPath('wasm2c'),
    cc: onPath(ccName),
    size: onPath(sizeName),
    wasmRtHeader: WASM_RT_HEADERS.find((h) => existsSync(h)),
  }
  const absent: string[] = []
  if (!found.wasm2c || !found.wasmRtHeader) absent.push('wasm2c')
  if (!found.cc) absent.push(ccName)
  if (!found.size) absent.push(sizeName)
  if (cross && !existsSync(PICOLIBC_SPECS)) absent.push('picolibc')
  if (absent.length > 0) throw missing(absent)
  return found as McuTools
}

/** qemu-system-arm for the emulated boards; throws ToolchainMissingError naming the package. */
export function findQemu(): string {
  const qemu = onPath('qemu-system-arm')
  if (!qemu) throw missing(['qemu-system-arm'])
  return qemu
}
