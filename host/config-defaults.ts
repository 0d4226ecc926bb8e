/*
 * The defaults of a function's config, apart from its schema (config.ts): the worker threads need
 * them to build a sandbox and never load the schema's validator.
 */

export const HTTP_METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
  'TRACE',
] as const

export const CONFIG_DEFAULTS = {
  methods: [...HTTP_METHODS] as string[],
  private: false,
  timeoutMs: 10_000,
  memoryMb: 128,
  maxBodyBytes: 6_291_456,
  env: {} as Record<string, string>,
  concurrency: 16,
}

/** Shared KV namespace names: lower-case identifiers, so `KV_<NAME>` bindings never collide. */
export const SHARED_NAME = /^[a-z][a-z0-9_]{0,62}$/
