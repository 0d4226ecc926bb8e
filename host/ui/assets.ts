import { readAsset } from '../assets.js'

/** The folder (package-relative) scripts/build-ui.mjs writes at package time. */
export const UI_ASSET_DIR = 'dist/ui'

/**
 * One of the dashboard's built files, through host/assets.ts (a file of the package, or the
 * binary's embedded copy); undefined when it does not exist (the dashboard was not built).
 */
export function uiAsset(name: string): Buffer | undefined {
  try {
    return readAsset(`${UI_ASSET_DIR}/${name}`)
  } catch {
    return undefined
  }
}
