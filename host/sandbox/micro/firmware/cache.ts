import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import type { BoardName } from './boards.js'
import { buildFirmware, firmwareName, MCU_DIR, type Firmware } from './firmware.js'
import { parseSizes } from './sizes.js'

async function runtimeHash(): Promise<string> {
  const hash = createHash('sha256')
  for (const dir of [MCU_DIR, join(MCU_DIR, 'boards')]) {
    const files = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile())
    for (const f of files.map((e) => e.name).sort()) {
      hash.update(f)
      hash.update(await readFile(join(dir, f)))
    }
  }
  return hash.digest('hex')
}

let runtime: Promise<string> | undefined

/**
 * The firmware for a module and board, built once into a cache folder keyed by the module, the
 * board and the runtime sources; concurrent builders each build aside and the first rename wins.
 */
export async function cachedFirmware(wasm: Uint8Array, board: BoardName): Promise<Firmware> {
  runtime ??= runtimeHash()
  const key = createHash('sha256')
    .update(board)
    .update(await runtime)
    .update(wasm)
    .digest('hex')
    .slice(0, 32)
  const root = join(tmpdir(), `fnhost-mcu-${userInfo().uid}`)
  const dir = join(root, key)
  const file = join(dir, firmwareName(board))
  if (!existsSync(file)) {
    await mkdir(root, { recursive: true })
    const aside = await mkdtemp(join(root, 'build-'))
    try {
      await buildFirmware(wasm, board, aside)
      await rename(aside, dir).catch(() => undefined)
    } finally {
      await rm(aside, { recursive: true, force: true })
    }
  }
  const sizeTool = board === 'native' ? 'size' : 'arm-none-eabi-size'
  const sizeA = await new Promise<string>((resolve, reject) =>
    execFile(sizeTool, ['-A', file], (e, stdout) => (e ? reject(e) : resolve(stdout))),
  )
  return { board, file, sizes: parseSizes(sizeA) }
}
