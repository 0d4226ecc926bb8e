import { join } from 'node:path'
import { packageRootDir } from './assets.js'

/** The package root of a clone or an npm install (never the single binary: see assets.ts). */
export const packageRoot = packageRootDir()
export const guestsDir = join(packageRoot, 'guests')
