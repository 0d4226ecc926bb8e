import { FnhostError } from '../errors.js'
import { readBody } from '../http/body.js'
import type { Upload } from './deploy.js'
import { uploadKind, type UPLOAD_LIMITS } from './names.js'

/** The header a PUT may carry the function's config in (JSON, the sidecar schema). */
export const CONFIG_HEADER = 'x-fnhost-config'

function limitFor(kind: 'js' | 'ts' | 'wasm', limits: typeof UPLOAD_LIMITS): number {
  return kind === 'wasm' ? limits.wasm : limits.js
}

function checkConfigSize(text: string, limits: typeof UPLOAD_LIMITS): string {
  if (Buffer.byteLength(text) > limits.config)
    throw new FnhostError('BODY_TOO_LARGE', `the config is over ${limits.config} bytes`)
  return text
}

/**
 * A PUT's function and config: the file as the body (its Content-Type says the kind) with the
 * config in the X-Fnhost-Config header, or multipart/form-data with a `file` part and an optional
 * `config` part. Sizes are checked per kind before the body is held whole.
 */
export async function readUpload(
  req: Request,
  name: string,
  limits: typeof UPLOAD_LIMITS,
): Promise<Upload> {
  const type = req.headers.get('content-type') ?? ''
  const ifMatch = req.headers.get('if-match') ?? undefined
  if (/^multipart\/form-data\b/i.test(type)) {
    const bytes = await readBody(req, Math.max(limits.js, limits.wasm) + limits.config + 64 * 1024)
    const form = await new Response(bytes, { headers: { 'content-type': type } })
      .formData()
      .catch(() => {
        throw new FnhostError('BAD_REQUEST', 'the multipart body could not be parsed')
      })
    const file = form.get('file')
    if (!(file instanceof Blob))
      throw new FnhostError('BAD_REQUEST', 'the multipart body needs a `file` part')
    const kind = uploadKind(file.type)
    if (file.size > limitFor(kind, limits))
      throw new FnhostError(
        'BODY_TOO_LARGE',
        `the ${kind} file is over ${limitFor(kind, limits)} bytes`,
      )
    const config = form.get('config')
    const upload: Upload = { name, kind, bytes: new Uint8Array(await file.arrayBuffer()), ifMatch }
    if (config !== null)
      upload.config = checkConfigSize(
        typeof config === 'string' ? config : await config.text(),
        limits,
      )
    return upload
  }
  const kind = uploadKind(type)
  const bytes = await readBody(req, limitFor(kind, limits))
  if (!bytes || bytes.length === 0)
    throw new FnhostError('BAD_REQUEST', 'the body (the function file) is empty')
  const upload: Upload = { name, kind, bytes, ifMatch }
  const config = req.headers.get(CONFIG_HEADER)
  if (config !== null) upload.config = checkConfigSize(config, limits)
  return upload
}
