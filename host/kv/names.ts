/** Shared namespace names: lower-case identifiers, so `KV_<NAME>` bindings never collide. */
export const SHARED_NAME = /^[a-z][a-z0-9_]{0,62}$/

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
