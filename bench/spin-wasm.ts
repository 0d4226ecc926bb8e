/**
 * A WAGI command whose `_start` loops forever without calling out: nothing inside the guest can
 * stop it, so only the worker watchdog's hard kill ends it. Written as bytes so the bench needs no
 * wasm toolchain; the text form is
 * `(module (memory (export "memory") 1) (func (export "_start") (loop (br 0))))`.
 */
function section(id: number, payload: number[]): number[] {
  return [id, payload.length, ...payload]
}

function name(text: string): number[] {
  return [text.length, ...Buffer.from(text, 'ascii')]
}

export function spinWasm(): Uint8Array {
  const body = [0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b]
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, 0x60, 0, 0]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0x00, 1]),
    ...section(7, [2, ...name('memory'), 0x02, 0, ...name('_start'), 0x00, 0]),
    ...section(10, [1, body.length, ...body]),
  ])
}
