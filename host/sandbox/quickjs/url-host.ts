/** The components a guest URL holds, in the order guests/js/url.js reads them. */
const PARTS = [
  'href',
  'origin',
  'protocol',
  'username',
  'password',
  'host',
  'hostname',
  'port',
  'pathname',
  'search',
  'hash',
] as const

const SETTERS = new Set<string>(PARTS.filter((p) => p !== 'origin'))

type Setter = Exclude<(typeof PARTS)[number], 'origin'>

/** One component per line: the parser strips newlines and every encode set escapes them. */
function partsOf(url: URL): string {
  return PARTS.map((p) => url[p]).join('\n')
}

/** Node's own WHATWG parser for the guest's URL: the components, '' for a failure. */
export function parseForGuest(input: string, base: string | undefined): string {
  const url = URL.parse(input, base)
  return url ? partsOf(url) : ''
}

/** Runs a URL setter on a serialized URL (which the host produced, so it parses). */
export function setForGuest(href: string, name: string, value: string): string {
  const url = new URL(href)
  if (SETTERS.has(name)) url[name as Setter] = value
  return partsOf(url)
}
