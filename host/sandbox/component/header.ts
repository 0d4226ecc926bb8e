import { WasmFormatError } from '../wasm/reader.js'

const MAGIC = [0x00, 0x61, 0x73, 0x6d]
/** The component-model binary version this host reads (bytes 4-5). */
const COMPONENT_VERSION = 0x0d

/** Bytes 4-7 hold the version and the layer; layer 1 is a component (core modules have layer 0). */
export function isComponent(bytes: Uint8Array): boolean {
  return (
    bytes.byteLength >= 8 &&
    MAGIC.every((b, i) => bytes[i] === b) &&
    bytes[6] === 1 &&
    bytes[7] === 0
  )
}

export function checkComponentVersion(bytes: Uint8Array): void {
  const version = bytes[4]! | (bytes[5]! << 8)
  if (version !== COMPONENT_VERSION)
    throw new WasmFormatError(
      `component binary version 0x${version.toString(16)}; fnhost reads version 0x${COMPONENT_VERSION.toString(16)} (the WASI 0.2 component model)`,
    )
}
