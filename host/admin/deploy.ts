import { readFile } from 'node:fs/promises'
import { extname, join } from 'node:path'
import { FnhostError } from '../errors.js'
import { sidecarOf } from '../routing/names.js'
import type { Registry } from '../registry/registry.js'
import { checkSource } from '../registry/scan.js'
import type { Slot } from '../registry/slot.js'
import { describe, fileVersion, type FunctionInfo } from './describe.js'
import { KIND_EXTENSIONS, type UploadKind } from './names.js'
import { commitChanges, type FileChange } from './store.js'

export interface Upload {
  name: string
  kind: UploadKind
  bytes: Uint8Array
  /** The sidecar config's JSON text; undefined: the function has none (an old one is removed). */
  config?: string
  /** `If-Match`: the version (SHA-256 of the file) the caller expects to replace, or '*'. */
  ifMatch?: string
}

export function findByName(registry: Registry, name: string): Slot | undefined {
  return registry.list().find((s) => s.name === name)
}

/** 412 unless the file on disk now is the version the caller read. Runs inside the update queue. */
export async function checkIfMatch(file: string | undefined, ifMatch: string | undefined) {
  if (ifMatch === undefined) return
  const current = file === undefined ? undefined : await fileVersion(file)
  const wanted = ifMatch.trim().replace(/^W\//, '').replace(/^"|"$/g, '')
  if (current !== undefined && (wanted === '*' || wanted === current)) return
  throw new FnhostError(
    'PRECONDITION_FAILED',
    current === undefined
      ? 'If-Match was given but the function does not exist'
      : `the function's version is ${current}, not ${wanted}; fetch it again and retry`,
  )
}

/** 409 when another function already serves one of `routes`. */
export function checkRoutesFree(registry: Registry, routes: string[], self: string[]): void {
  for (const slot of registry.list()) {
    if (self.includes(slot.file)) continue
    const taken = slot.routes.find((r) => routes.includes(r))
    if (taken !== undefined)
      throw new FnhostError('CONFLICT', `route ${taken} is already served by ${slot.name}`)
  }
}

/**
 * Validates an upload with the checks of a scan, then writes it (and its sidecar) in one
 * crash-safe step, and resolves once the registry serves the new version. An invalid upload is
 * 422 and nothing is written: the old version keeps serving.
 */
export async function deploy(
  registry: Registry,
  upload: Upload,
): Promise<{ created: boolean; info: FunctionInfo }> {
  const existing = findByName(registry, upload.name)
  const sameKind = existing && KIND_EXTENSIONS[upload.kind].includes(extname(existing.file))
  const target = sameKind ? existing.file : join(registry.dir, `${upload.name}.${upload.kind}`)
  const checked = await checkSource(
    registry.dir,
    target,
    upload.bytes,
    upload.config,
    registry.inspector,
    registry.defaults,
  )
  if ('failure' in checked) throw new FnhostError('INVALID_FUNCTION', checked.failure.reason)
  const self = existing ? [existing.file] : []
  const files = existing && existing.file !== target ? [target, existing.file] : [target]
  await registry.apply(files, async () => {
    await checkIfMatch(findByName(registry, upload.name)?.file, upload.ifMatch)
    checkRoutesFree(registry, checked.spec.routes, self)
    const changes: FileChange[] = [{ write: target, bytes: upload.bytes }]
    if (existing && existing.file !== target) changes.push({ remove: existing.file })
    changes.push(
      upload.config === undefined
        ? { remove: sidecarOf(target) }
        : { write: sidecarOf(target), bytes: new TextEncoder().encode(upload.config) },
    )
    await commitChanges(registry.dir, changes)
  })
  const slot = registry.slotOf(target)
  if (!slot) throw new Error(`${upload.name} was written but the registry does not hold it`)
  return { created: !existing, info: await describe(slot) }
}

export async function remove(registry: Registry, name: string, ifMatch?: string): Promise<void> {
  const slot = findByName(registry, name)
  if (!slot) throw new FnhostError('FUNCTION_NOT_FOUND', `no function named ${name}`)
  await registry.apply([slot.file], async () => {
    await checkIfMatch(slot.file, ifMatch)
    await commitChanges(registry.dir, [{ remove: slot.file }, { remove: sidecarOf(slot.file) }])
  })
}

/** Points a function at a new route by rewriting its sidecar (a config in the source cannot be). */
export async function setRoute(
  registry: Registry,
  name: string,
  route: string,
): Promise<FunctionInfo> {
  const slot = findByName(registry, name)
  if (!slot) throw new FnhostError('FUNCTION_NOT_FOUND', `no function named ${name}`)
  if (route === '/_fnhost' || route.startsWith('/_fnhost/'))
    throw new FnhostError('INVALID_FUNCTION', 'routes under /_fnhost/ are reserved for the host')
  const sidecarPath = sidecarOf(slot.file)
  const old = await readFile(sidecarPath, 'utf8').catch(() => undefined)
  let config: Record<string, unknown> = {}
  if (old !== undefined) {
    try {
      config = JSON.parse(old) as Record<string, unknown>
    } catch {
      throw new FnhostError('INVALID_FUNCTION', `${name}.json is not valid JSON; deploy it again`)
    }
  }
  const text = JSON.stringify({ ...config, route }, null, 2) + '\n'
  const bytes = new Uint8Array(await readFile(slot.file))
  const checked = await checkSource(
    registry.dir,
    slot.file,
    bytes,
    text,
    registry.inspector,
    registry.defaults,
  )
  if ('failure' in checked) throw new FnhostError('INVALID_FUNCTION', checked.failure.reason)
  await registry.apply([slot.file], async () => {
    checkRoutesFree(registry, checked.spec.routes, [slot.file])
    await commitChanges(registry.dir, [
      { write: sidecarPath, bytes: new TextEncoder().encode(text) },
    ])
  })
  const now = registry.slotOf(slot.file)
  if (!now) throw new FnhostError('FUNCTION_NOT_FOUND', `${name} was removed meanwhile`)
  return describe(now)
}
