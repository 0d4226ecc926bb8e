import { extname } from 'node:path'

/** What users call each kind of function (the dashboard's Kind column): the driver plus the file. */
const LABELS: Record<string, string> = {
  quickjs: 'JS',
  wasi: 'WAGI',
  micro: 'fnmicro',
  component: 'component',
}
const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts'])

/** `driver` is undefined for a function that failed before one was chosen: the file decides. */
export function kindLabel(driver: string | undefined, file: string): string {
  const ext = extname(file)
  if (TS_EXTENSIONS.has(ext)) return 'TS'
  if (driver) return LABELS[driver] ?? driver
  return ext === '.wasm' ? 'wasm' : 'JS'
}
