import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { packageRoot } from '../paths.js'

/**
 * The dashboard's built files (scripts/build-ui.mjs writes them at package time). Every read of
 * them goes through here: in the single binary this becomes a read of the embedded asset
 * `dist/ui/<name>` (host/assets.ts). Undefined when the file does not exist (not built).
 */
export function uiAsset(name: string): Buffer | undefined {
  try {
    return readFileSync(join(packageRoot, UI_ASSET_DIR, name))
  } catch {
    return undefined
  }
}

/** The folder (package-relative) the build writes and uiAsset reads. */
export const UI_ASSET_DIR = 'dist/ui'

/** The host's version, shown on the Host page. */
export function hostVersion(): string {
  const pkg = uiPackageJson ?? (uiPackageJson = readFileSync(join(packageRoot, 'package.json')))
  return (JSON.parse(pkg.toString('utf8')) as { version: string }).version
}

let uiPackageJson: Buffer | undefined
