import { ApiError, call, errorOf, fnPath, type FunctionInfo } from './api.js'
import { h, setText } from './dom.js'

const TYPES: Record<string, string> = {
  js: 'application/javascript',
  mjs: 'application/javascript',
  cjs: 'application/javascript',
  ts: 'application/typescript',
  mts: 'application/typescript',
  cts: 'application/typescript',
  wasm: 'application/wasm',
}
const ACCEPT = Object.keys(TYPES)
  .map((e) => '.' + e)
  .join(',')

let forms = 0

/**
 * Deploys a file with the management API's PUT: chosen with the file input or dropped on it. A
 * refusal (422 with the scan's reason, 415, 413, 409...) is shown in place, under the form.
 */
export function deployForm(options: {
  /** Deploy a new version of this function; without it the form asks for a name. */
  name?: string
  onDeployed: (info: FunctionInfo) => void
}): HTMLFormElement {
  const id = `deploy-${++forms}`
  let chosen: File | undefined
  const nameInput = options.name
    ? undefined
    : h('input', {
        id: `${id}-name`,
        name: 'name',
        placeholder: 'from the file name',
        autocomplete: 'off',
        spellcheck: 'false',
      })
  const fileInput = h('input', { id: `${id}-file`, type: 'file', accept: ACCEPT, class: 'file' })
  const chosenText = h('span', { class: 'chosen' }, 'no file chosen')
  const result = h('p', { class: 'result', role: 'status', 'aria-live': 'polite' })
  const button = h('button', { type: 'submit' }, options.name ? 'Deploy new version' : 'Deploy')
  const drop = h(
    'label',
    { class: 'drop', for: `${id}-file` },
    h('span', {}, 'Choose or drop a file (.js, .ts, .wasm)'),
    chosenText,
  )
  const choose = (file: File | undefined) => {
    chosen = file
    setText(chosenText, file ? `${file.name} (${file.size} bytes)` : 'no file chosen')
  }
  fileInput.addEventListener('change', () => choose(fileInput.files?.[0]))
  drop.addEventListener('dragover', (e) => {
    e.preventDefault()
    drop.classList.add('over')
  })
  drop.addEventListener('dragleave', () => drop.classList.remove('over'))
  drop.addEventListener('drop', (e) => {
    e.preventDefault()
    drop.classList.remove('over')
    choose(e.dataTransfer?.files[0])
  })

  const form = h(
    'form',
    { class: 'deploy', 'aria-label': options.name ? 'Deploy a new version' : 'Deploy a function' },
    nameInput && h('label', { for: nameInput.id }, 'Function name'),
    nameInput,
    fileInput,
    drop,
    button,
    result,
  )
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    void submit()
  })

  async function submit(): Promise<void> {
    result.className = 'result'
    const file = chosen
    if (!file) return show('choose a file first', true)
    const ext = file.name.split('.').pop()?.toLowerCase() ?? ''
    const type = TYPES[ext]
    if (!type) return show(`${file.name}: not a .js, .ts or .wasm file`, true)
    const name = options.name ?? (nameInput?.value.trim() || file.name.replace(/\.[^.]+$/, ''))
    button.disabled = true
    show(`deploying ${name}…`, false)
    try {
      const res = await call(`/_fnhost/v1/functions/${fnPath(name)}`, {
        method: 'PUT',
        headers: { 'content-type': type },
        body: file,
      })
      if (!res.ok) throw await errorOf(res)
      const info = (await res.json()) as FunctionInfo
      show(`${info.name} deployed: ${info.state} (version ${info.version.slice(0, 12)})`, false)
      options.onDeployed(info)
    } catch (e) {
      const err = e as Error
      show(
        e instanceof ApiError ? `refused (${e.status} ${e.code}): ${e.message}` : err.message,
        true,
      )
    } finally {
      button.disabled = false
    }
  }
  function show(text: string, error: boolean): void {
    result.classList.toggle('error', error)
    result.setAttribute('role', error ? 'alert' : 'status')
    setText(result, text)
  }
  return form
}
