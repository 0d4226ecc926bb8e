/**
 * The global object's properties as a test process first had them: imported once per process by
 * test/helpers/per-file.ts, before any test file runs. A file that serves over a real socket lets
 * @hono/node-server replace the global Request and Response with its own; per-file.ts puts the
 * originals back after each file, so a file sharing the process sees Node's own globals.
 */
const original = new Map(
  Reflect.ownKeys(globalThis).map((key) => [
    key,
    Reflect.getOwnPropertyDescriptor(globalThis, key)!,
  ]),
)

/** Puts back every original global property a test file replaced (added ones are left). */
export function restoreGlobals(): void {
  for (const [key, before] of original) {
    const now = Reflect.getOwnPropertyDescriptor(globalThis, key)
    const same =
      now &&
      now.value === before.value &&
      now.get === before.get &&
      now.set === before.set &&
      now.writable === before.writable
    if (!same && before.configurable !== false) Reflect.defineProperty(globalThis, key, before)
  }
}
