/** Names the workers' test resolver knows (loader.ts); anything else does not resolve. */
export const TEST_NAMES: Record<string, string> = {
  /** Resolves to loopback: must be refused after resolution. */
  'loopback.test': '127.0.0.1',
  /** A local server the test policy treats as public, standing in for a site on the internet. */
  'public.test': '127.0.0.2',
}
export const PUBLIC_STANDIN = '127.0.0.2'
