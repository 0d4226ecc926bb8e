// Builds the dashboard (host/ui/client) into dist/ui: one minified script, one stylesheet, the
// page. Run by `npm run build` (so at package time); the host serves the result read-only.
import { build } from 'esbuild'
import process from 'node:process'
import { copyFile, mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

export async function buildUi(out = join(root, 'dist/ui')) {
  const src = join(root, 'host/ui/client')
  await mkdir(out, { recursive: true })
  const common = { bundle: true, minify: true, legalComments: 'none', logLevel: 'warning' }
  await build({
    ...common,
    entryPoints: [join(src, 'main.ts')],
    outfile: join(out, 'app.js'),
    format: 'iife',
    target: 'es2022',
  })
  await build({ ...common, entryPoints: [join(src, 'app.css')], outfile: join(out, 'app.css') })
  await copyFile(join(src, 'index.html'), join(out, 'index.html'))
  return out
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildUi()
