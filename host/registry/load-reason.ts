import { homedir, tmpdir } from 'node:os'
import { sep } from 'node:path'
import { packageRoot } from '../paths.js'

/*
 * A load failure's reason reaches clients (500 FUNCTION_LOAD_FAILED) and the log. Clients get a
 * version without host paths; the log keeps the full text.
 */

/** Folders whose absolute paths say something about the host, longest first. */
function hostFolders(dir: string): string[] {
  return [dir, packageRoot, process.cwd(), tmpdir(), homedir()]
    .filter((d) => d.length > 1)
    .sort((a, b) => b.length - a.length)
}

/** `message` with absolute paths under the functions folder made relative, and other host paths hidden. */
export function clientReason(message: string, dir: string): string {
  let out = message
  for (const folder of hostFolders(dir)) {
    const replacement = folder === dir ? '' : '<host path>' + sep
    out = out.split(folder + sep).join(replacement)
  }
  return out
}
