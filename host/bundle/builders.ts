import {
  context,
  type BuildContext,
  type BuildOptions,
  type BuildResult,
  type Plugin,
} from 'esbuild'

/** esbuild contexts kept, least recently used dropped first: each holds its folder's parsed modules. */
const MAX_BUILDERS = 4

/**
 * Kept contexts are disposed after this long without a build. esbuild's service process outlives
 * its parent while a context is open (it waits for a dispose that never comes, until its next
 * ping fails), so none is kept longer than it helps: a burst of new or edited functions.
 */
const IDLE_MS = 30_000

/** The entry point every build of a kept context names; the entry plugin maps it to the file. */
const ENTRY = 'fnhost:entry'

interface Builder {
  ctx: Promise<BuildContext>
  /** The file the running rebuild bundles: rebuilds of one context take turns. */
  entry: string
  turn: Promise<unknown>
}

/** One kept context per folder and option set (the format), keyed by both. */
const builders = new Map<string, Builder>()
let idle: NodeJS.Timeout | undefined

function entryPlugin(builder: Builder): Plugin {
  return {
    name: 'fnhost-entry',
    setup(build) {
      build.onResolve({ filter: /^fnhost:entry$/ }, (args) =>
        args.kind === 'entry-point' ? { path: builder.entry } : undefined,
      )
    },
  }
}

function dispose(builder: Builder): Promise<void> {
  return builder.turn
    .then(() => builder.ctx)
    .then((ctx) => ctx.dispose())
    .catch(() => undefined)
}

/** Disposes every kept context (the next build starts a fresh one). */
export async function releaseBuilders(): Promise<void> {
  clearTimeout(idle)
  const all = [...builders.values()]
  builders.clear()
  await Promise.all(all.map(dispose))
}

function builderFor(key: string, options: BuildOptions): Builder {
  const kept = builders.get(key)
  if (kept) {
    builders.delete(key)
    builders.set(key, kept)
    return kept
  }
  const builder: Builder = { ctx: undefined as never, entry: '', turn: Promise.resolve() }
  builder.ctx = context({
    ...options,
    entryPoints: [ENTRY],
    plugins: [entryPlugin(builder), ...(options.plugins ?? [])],
  })
  builder.ctx.catch(() => {
    if (builders.get(key) === builder) builders.delete(key)
  })
  builders.set(key, builder)
  for (const [old, oldest] of builders) {
    if (builders.size <= MAX_BUILDERS) break
    builders.delete(old)
    void dispose(oldest)
  }
  return builder
}

/**
 * Bundles `file` with `options` through an esbuild context kept for its folder: a rebuild parses
 * again only the files whose contents changed (esbuild re-reads every input and compares), so a
 * new function importing the packages its neighbours import skips parsing them, and a changed
 * import is the only file parsed again. The result is the same as a fresh build's.
 */
export function buildKept(key: string, file: string, options: BuildOptions): Promise<BuildResult> {
  const builder = builderFor(key, options)
  const run = builder.turn.then(async () => {
    const ctx = await builder.ctx
    builder.entry = file
    return ctx.rebuild()
  })
  builder.turn = run.catch(() => undefined)
  clearTimeout(idle)
  idle = setTimeout(() => void releaseBuilders(), IDLE_MS).unref()
  return run
}
