const INTEGER_ARRAYS = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  BigInt64Array,
  BigUint64Array,
]
const DIGESTS = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' }

function getRandomValues(array) {
  if (!INTEGER_ARRAYS.some((T) => array instanceof T))
    throw domException('The data argument must be an integer-type TypedArray', 'TypeMismatchError')
  if (array.byteLength > 65536)
    throw domException(
      `The ArrayBufferView's byte length (${array.byteLength}) exceeds 65536`,
      'QuotaExceededError',
    )
  if (array.byteLength) bytesOf(array).set(new Uint8Array(host.random(array.byteLength)))
  return array
}

function randomUUID() {
  const b = new Uint8Array(host.random(16))
  b[6] = (b[6] & 0x0f) | 0x40
  b[8] = (b[8] & 0x3f) | 0x80
  const hex = arrayFrom(b, (x) => (x < 16 ? '0' : '') + x.toString(16)).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

const subtle = {
  async digest(algorithm, data) {
    const name = String(
      typeof algorithm === 'object' && algorithm !== null ? algorithm.name : algorithm,
    ).toUpperCase()
    const hash = DIGESTS[name]
    if (!hash) throw domException(`Unrecognized algorithm name: ${name}`, 'NotSupportedError')
    if (!isBufferSource(data)) throw typeError('data must be an ArrayBuffer or ArrayBufferView')
    return host.digest(hash, exactBuffer(copyBytes(data)))
  },
}

const crypto = { getRandomValues, randomUUID, subtle }
