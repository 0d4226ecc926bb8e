import * as z from 'zod'
import { BOARD_NAMES } from './board-names.js'
import { CONFIG_DEFAULTS, HTTP_METHODS, SHARED_NAME } from './config-defaults.js'
import { scheduleSchema } from './schedule.js'

export { CONFIG_DEFAULTS, HTTP_METHODS, SHARED_NAME }

const routePattern = z
  .string()
  .regex(/^\/[A-Za-z0-9._~\-/:[\]]*$/, 'a route starts with / and holds path segments or :params')

/** Per-function config: `export const config` in JS or a `<name>.json` sidecar. Unknown keys are errors. */
export const functionConfigSchema = z.strictObject({
  route: z.union([routePattern, z.array(routePattern).min(1)]).optional(),
  methods: z.array(z.enum(HTTP_METHODS)).min(1).optional(),
  private: z.boolean().optional(),
  schedule: scheduleSchema.optional(),
  timeoutMs: z.number().int().min(1).max(900_000).optional(),
  memoryMb: z.number().int().min(1).max(4096).optional(),
  maxBodyBytes: z.number().int().min(0).max(1_073_741_824).optional(),
  env: z
    .record(
      z.string().regex(/^[^=\0]+$/, "an env name is a non-empty string without '=' or NUL"),
      z.string(),
    )
    .optional(),
  isolation: z.enum(['shared', 'request']).optional(),
  handler: z
    .string()
    .regex(/^[A-Za-z_$][A-Za-z0-9_$]*$/, 'handler is an export name')
    .optional(),
  style: z.enum(['fetch', 'event', 'open-runtimes']).optional(),
  concurrency: z.number().int().min(1).max(10_000).optional(),
  /** fnmicro only: serve the function from this (emulated) device, see docs/mcu.md. */
  board: z.enum(BOARD_NAMES).optional(),
  kv: z
    .array(z.string().regex(SHARED_NAME, 'a shared KV namespace is a lower-case identifier'))
    .max(32)
    .optional(),
})

export type FunctionConfig = z.infer<typeof functionConfigSchema>

/**
 * Config with defaults filled in. `isolation` has no default here: unset, each driver applies its
 * own (QuickJS reuses one sandbox, wasm runs a fresh instance per request).
 */
export type ResolvedConfig = Omit<FunctionConfig, keyof typeof CONFIG_DEFAULTS | 'route'> &
  typeof CONFIG_DEFAULTS

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

/** Host-wide defaults for a function's limits (`limits` in fnhost.json). */
export type LimitDefaults = Partial<
  Pick<ResolvedConfig, 'timeoutMs' | 'memoryMb' | 'maxBodyBytes' | 'concurrency'>
>

/** Validates raw config (from any source) and fills defaults; throws ConfigError with every problem. */
export function resolveConfig(
  raw: unknown,
  source: string,
  defaults: LimitDefaults = {},
): ResolvedConfig & { route?: string[] } {
  const parsed = functionConfigSchema.safeParse(raw ?? {})
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.length ? i.path.join('.') : '(config)'}: ${i.message}`)
      .join('; ')
    throw new ConfigError(`invalid config in ${source}: ${problems}`)
  }
  const { route, ...rest } = parsed.data
  const resolved = { ...CONFIG_DEFAULTS, ...defaults, ...rest }
  return route === undefined
    ? resolved
    : { ...resolved, route: Array.isArray(route) ? route : [route] }
}
