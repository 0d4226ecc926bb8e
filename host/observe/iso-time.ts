/**
 * `new Date(ms).toISOString()`, cheaper: the part up to the second is formatted once per second
 * and the milliseconds appended. A busy host stamps every access line (pino's time, the log
 * store's copy) and formatting a Date each time was a measurable part of a request.
 */
let second = Number.NaN
let prefix = ''

export function isoTime(ms: number): string {
  const s = Math.floor(ms / 1000)
  if (s !== second) {
    const iso = new Date(s * 1000).toISOString()
    // Years past 9999 or before 0 have a longer form: those are formatted whole every time.
    if (iso.length !== 24) return new Date(ms).toISOString()
    second = s
    prefix = iso.slice(0, 20)
  }
  const rest = ms - s * 1000
  if (!Number.isInteger(rest)) return new Date(ms).toISOString()
  return prefix + (rest < 10 ? '00' : rest < 100 ? '0' : '') + rest + 'Z'
}
