import { WasmFormatError } from '../wasm/reader.js'
import { checkComponentVersion } from './header.js'
import { checkWorld, parseWorld } from './world.js'

/**
 * The scan-time check: the component's world (imports and exports, from its own type section)
 * against the allowlist. It runs wasm-tools, a component on preview2-shim, so it belongs in the
 * scanner's worker, which never serves a guest; loads repeat it in their transpiler thread.
 */
export async function checkComponent(bytes: Uint8Array): Promise<void> {
  checkComponentVersion(bytes)
  const { componentWit } = await import('@bytecodealliance/jco-transpile/wasm-tools')
  let wit: string
  try {
    wit = await componentWit(bytes)
  } catch (e) {
    throw new WasmFormatError(`not a valid component: ${(e as Error).message ?? String(e)}`)
  }
  checkWorld(parseWorld(wit))
}
