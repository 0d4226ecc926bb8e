export { SHARED_NAME } from '../config-defaults.js'

export const ownNamespace = (functionName: string) => `fn:${functionName}`
export const sharedNamespace = (name: string) => `shared:${name}`

/** Binding name -> namespace: `KV` is the function's own, `KV_<NAME>` each granted shared one. */
export function kvBindings(
  functionName: string,
  granted: readonly string[] = [],
): Record<string, string> {
  const out: Record<string, string> = { KV: ownNamespace(functionName) }
  for (const name of granted) out[`KV_${name.toUpperCase()}`] = sharedNamespace(name)
  return out
}
