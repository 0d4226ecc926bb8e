import { ApiError, fnPath, json } from './api.js'
import { h, num, setText } from './dom.js'

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']

interface InvokeResult {
  status: number
  headers: [string, string][]
  body: string
  base64: boolean
}

/** `name: value` per line into a header record; a line without a colon is an error. */
function parseHeaders(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of text.split('\n')) {
    if (!line.trim()) continue
    const at = line.indexOf(':')
    if (at <= 0) throw new Error(`not a header line (name: value): ${line}`)
    out[line.slice(0, at).trim()] = line.slice(at + 1).trim()
  }
  return out
}

/** Runs the function once through the management API and shows its whole answer. */
export function invokePanel(name: string, route: string): HTMLElement {
  const method = h('select', { id: 'inv-method' }, ...METHODS.map((m) => h('option', {}, m)))
  const path = h('input', {
    id: 'inv-path',
    value: route,
    spellcheck: 'false',
    autocomplete: 'off',
  })
  const headers = h('textarea', {
    id: 'inv-headers',
    rows: 3,
    spellcheck: 'false',
    placeholder: 'content-type: application/json',
  })
  const body = h('textarea', { id: 'inv-body', rows: 4, spellcheck: 'false' })
  const send = h('button', { type: 'submit' }, 'Send')
  const statusLine = h(
    'p',
    { class: 'inv-status', role: 'status', 'aria-live': 'polite' },
    'not sent yet',
  )
  const outHeaders = h('pre', { class: 'inv-headers', 'aria-label': 'Response headers' })
  const outBody = h('pre', { class: 'inv-body', 'aria-label': 'Response body', tabindex: 0 })

  const form = h(
    'form',
    { class: 'invoke', 'aria-label': 'Invoke' },
    h(
      'div',
      { class: 'row' },
      h('div', {}, h('label', { for: method.id }, 'Method'), method),
      h('div', { class: 'grow' }, h('label', { for: path.id }, 'Path'), path),
    ),
    h('label', { for: headers.id }, 'Headers (name: value, one a line)'),
    headers,
    h('label', { for: body.id }, 'Body'),
    body,
    send,
  )
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    void run()
  })

  async function run(): Promise<void> {
    send.disabled = true
    statusLine.classList.remove('error')
    setText(statusLine, 'running…')
    const start = performance.now()
    try {
      const res = await json<InvokeResult>(`/_fnhost/v1/functions/${fnPath(name)}/invoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          method: method.value,
          path: path.value,
          headers: parseHeaders(headers.value),
          body: body.value,
        }),
      })
      const ms = performance.now() - start
      setText(statusLine, `${res.status} · ${num(ms)} ms`)
      setText(outHeaders, res.headers.map(([k, v]) => `${k}: ${v}`).join('\n'))
      setText(outBody, res.base64 ? `(binary, base64) ${res.body}` : res.body)
    } catch (e) {
      const ms = performance.now() - start
      statusLine.classList.add('error')
      const text =
        e instanceof ApiError ? `${e.status} ${e.code} · ${num(ms)} ms` : (e as Error).message
      setText(statusLine, text)
      setText(outHeaders, '')
      setText(outBody, e instanceof ApiError ? e.message : '')
    } finally {
      send.disabled = false
    }
  }

  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'inv-h' },
    h('h2', { id: 'inv-h' }, 'Invoke'),
    form,
    statusLine,
    h('h3', {}, 'Headers'),
    outHeaders,
    h('h3', {}, 'Body'),
    outBody,
  )
}
