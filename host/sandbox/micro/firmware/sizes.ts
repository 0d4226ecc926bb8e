/** The 64 KiB page every fnmicro module gets, inside .bss but reported apart. */
export const LINEAR_MEMORY_BYTES = 65536

/** Flash and RAM of a firmware image, from its section sizes. */
export interface FirmwareSizes {
  text: number
  rodata: number
  data: number
  bss: number
  stack: number
  /** text + rodata + data (the initial image of .data is stored in flash). */
  flash: number
  /** data + bss + stack, the linear memory included. */
  ram: number
  linearMemory: number
  /** ram without the linear memory: what the runtime and the handler's C state cost. */
  ramBeyondLinear: number
}

const TEXT = new Set(['.text', '.init', '.fini', '.plt', '.ARM.exidx'])
const RODATA = new Set(['.rodata', '.eh_frame', '.eh_frame_hdr', '.gcc_except_table'])
const DATA = new Set(['.data', '.init_array', '.fini_array', '.got', '.got.plt', '.dynamic'])

/** Parses `size -A` output of a firmware (the runtime's page sits in its .bss on every target). */
export function parseSizes(sizeA: string): FirmwareSizes {
  const s = { text: 0, rodata: 0, data: 0, bss: 0, stack: 0 }
  for (const line of sizeA.split('\n')) {
    const m = /^(\.\S+)\s+(\d+)\s+\d+/.exec(line.trim())
    if (!m) continue
    const [, name, bytes] = m as unknown as [string, string, string]
    const n = Number(bytes)
    if (TEXT.has(name)) s.text += n
    else if (RODATA.has(name) || name.startsWith('.rodata')) s.rodata += n
    else if (DATA.has(name) || name.startsWith('.data')) s.data += n
    else if (name === '.bss' || name.startsWith('.bss') || name === '.tbss') s.bss += n
    else if (name === '.stack') s.stack += n
  }
  const ram = s.data + s.bss + s.stack
  const linearMemory = LINEAR_MEMORY_BYTES
  return {
    ...s,
    flash: s.text + s.rodata + s.data,
    ram,
    linearMemory,
    ramBeyondLinear: ram - linearMemory,
  }
}

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`

/** The size report `fnhost build --board` prints and the bench repeats. */
export function formatSizes(s: FirmwareSizes): string {
  return [
    `flash ${kib(s.flash)} (text ${s.text} + rodata ${s.rodata} + data ${s.data} bytes)`,
    `RAM   ${kib(s.ramBeyondLinear)} beyond the linear memory (data ${s.data} + bss ${s.bss - s.linearMemory} + stack ${s.stack} bytes)`,
    `      + ${kib(s.linearMemory)} linear memory (one wasm page)`,
  ].join('\n')
}
