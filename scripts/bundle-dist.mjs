// Replaces the CLI and every thread entry in dist/host (tsc's output, one file per module) with
// one esbuild bundle each, dependencies included: Node then reads and links one file at start
// instead of hundreds (zod alone is ~70 files), which was most of `fnhost serve`'s start-up from
// the npm package. The other files of dist/host stay (the bench and types use them). Run by
// `npm run build` after tsc.
import { build } from 'esbuild'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const { BUNDLE_EXTERNAL: external, THREAD_ENTRIES } = await import(
  join(root, 'dist/host/threads.js')
)

await build({
  entryPoints: Object.fromEntries(
    ['cli/main', ...THREAD_ENTRIES].map((e) => [e, join(root, `host/${e}.ts`)]),
  ),
  outdir: join(root, 'dist/host'),
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  external,
  legalComments: 'none',
  logLevel: 'warning',
  // CommonJS dependencies inside an ES module bundle still call require (for built-ins).
  banner: {
    js: "import { createRequire as __fnhostRequire } from 'node:module'; const require = __fnhostRequire(import.meta.url);",
  },
})
