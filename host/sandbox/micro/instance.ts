import { MICRO_ABI_VERSION } from './profile.js'

export interface MicroExports {
  fnm_abi_version(): number
  fnm_req_buf(): number
  fnm_req_cap(): number
  fnm_resp_buf(): number
  fnm_resp_cap(): number
  fnm_handle(methodLen: number, pathLen: number, headersLen: number, bodyLen: number): number
}

/** Where the request and response buffers sit in the module's one page. */
export interface Layout {
  reqBuf: number
  reqCap: number
  respBuf: number
  respCap: number
}

export interface MicroInstance {
  exports: MicroExports
  memory: WebAssembly.Memory
  layout: Layout
}

/** A module that answers the ABI calls with something the host cannot use; the message says what. */
export class MicroAbiError extends Error {
  override readonly name = 'MicroAbiError'
}

function readLayout(exports: MicroExports, memory: WebAssembly.Memory): Layout {
  const u32 = (n: number) => n >>> 0
  const layout = {
    reqBuf: u32(exports.fnm_req_buf()),
    reqCap: u32(exports.fnm_req_cap()),
    respBuf: u32(exports.fnm_resp_buf()),
    respCap: u32(exports.fnm_resp_cap()),
  }
  const size = memory.buffer.byteLength
  if (layout.reqBuf + layout.reqCap > size)
    throw new MicroAbiError(
      `request buffer ${layout.reqBuf}+${layout.reqCap} lies outside the ${size}-byte memory`,
    )
  if (layout.respBuf + layout.respCap > size)
    throw new MicroAbiError(
      `response buffer ${layout.respBuf}+${layout.respCap} lies outside the ${size}-byte memory`,
    )
  return layout
}

/** Instantiates over `memory` and checks the ABI version and buffer layout. */
export function instantiateMicro(
  module: WebAssembly.Module,
  imports: WebAssembly.Imports,
  memory: WebAssembly.Memory,
): MicroInstance {
  const instance = new WebAssembly.Instance(module, imports)
  const exports = instance.exports as unknown as MicroExports
  const version = exports.fnm_abi_version()
  if (version !== MICRO_ABI_VERSION)
    throw new MicroAbiError(
      `fnm_abi_version() is ${version}; this host speaks version ${MICRO_ABI_VERSION}`,
    )
  return { exports, memory, layout: readLayout(exports, memory) }
}
