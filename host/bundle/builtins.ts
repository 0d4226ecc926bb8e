import type { OnResolveArgs, Plugin } from 'esbuild'
import { builtinModules } from 'node:module'

/**
 * Bare names whose first segment is a Node built-in's (`fs`, `fs/promises`, `assert/x`), matched
 * by esbuild itself: a plugin's callback is a round trip to the thread that runs the build, which
 * every other bare import (each package a function imports) would otherwise pay.
 */
const BUILTIN_NAME = new RegExp(
  `^(?:${[...new Set(builtinModules.map((m) => m.split('/')[0]))].join('|')})(?:/|$)`,
)
/** Plugin data of a resolution asked for from inside a plugin: the plugins leave it to esbuild. */
export const SKIP = Symbol('fnhost: resolving a name normally')

function refuse(args: OnResolveArgs) {
  return {
    errors: [
      {
        text: `cannot import "${args.path}": it is a Node.js built-in module, and functions run in a sandbox without Node's APIs (no filesystem, process or sockets); use Web APIs (fetch, crypto.subtle, ...) or a package built for browsers or workers`,
      },
    ],
  }
}

/**
 * Refuses `node:*` imports and bare Node built-in names, with a message naming the import (esbuild
 * adds the importing file, line and column). A bare name a package maps for browsers (its
 * `browser` field) or that an npm package provides (`buffer`, `events`) still resolves.
 */
export const nodeBuiltins: Plugin = {
  name: 'fnhost-node-builtins',
  setup(build) {
    build.onResolve({ filter: /^node:/ }, refuse)
    build.onResolve({ filter: BUILTIN_NAME }, async (args) => {
      if (args.pluginData === SKIP) return undefined
      const found = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: SKIP,
      })
      return found.errors.length ? refuse(args) : found
    })
  },
}
