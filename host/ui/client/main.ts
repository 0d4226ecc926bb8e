import { adminKey, devMode, errorOf, forgetKey, saveKey, whenUnauthorized } from './api.js'
import { h, setText } from './dom.js'
import { functionPage } from './function-page.js'
import { functionsPage } from './functions-page.js'
import { hostPage } from './host-page.js'

const main = document.getElementById('main') as HTMLElement
const nav = document.getElementById('nav') as HTMLElement
const logout = document.getElementById('logout') as HTMLButtonElement
let cleanup: () => void = () => {}

/** The page for the location's hash: #/functions, #/functions/<name>, #/host. */
function route(): void {
  cleanup()
  cleanup = () => {}
  if (!devMode && !adminKey()) return login()
  nav.hidden = false
  logout.hidden = devMode
  const hash = decodeURIComponent(location.hash.replace(/^#\/?/, ''))
  for (const a of nav.querySelectorAll('a'))
    a.toggleAttribute('aria-current', hash.startsWith(a.dataset.page ?? '-'))
  if (hash === 'host') cleanup = hostPage(main)
  else if (hash.startsWith('functions/'))
    cleanup = functionPage(main, hash.slice('functions/'.length))
  else cleanup = functionsPage(main)
  document.title = `fnhost · ${hash || 'functions'}`
}

function login(message = ''): void {
  nav.hidden = true
  logout.hidden = true
  const input = h('input', {
    id: 'key',
    type: 'password',
    name: 'key',
    autocomplete: 'current-password',
    required: true,
  })
  const error = h('p', { class: 'result error', role: 'alert' }, message)
  const form = h(
    'form',
    { class: 'login', 'aria-labelledby': 'login-h' },
    h('h1', { id: 'login-h' }, 'Log in'),
    h(
      'p',
      {},
      "The dashboard uses the host's admin key (FNHOST_ADMIN_KEY). It is kept in this tab only, until you log out or close it.",
    ),
    h('label', { for: 'key' }, 'Admin key'),
    input,
    h('button', { type: 'submit' }, 'Log in'),
    error,
  )
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    setText(error, '')
    const res = await fetch('/_fnhost/ui/data/overview', {
      headers: { authorization: `Bearer ${input.value}` },
      cache: 'no-store',
    })
    if (res.ok) {
      saveKey(input.value)
      route()
      return
    }
    const err = await errorOf(res)
    setText(
      error,
      res.status === 401 ? 'That key was refused: check FNHOST_ADMIN_KEY.' : err.message,
    )
    input.select()
  })
  main.replaceChildren(form)
  input.focus()
}

whenUnauthorized(() => {
  forgetKey()
  cleanup()
  cleanup = () => {}
  login('The host refused the key (it may have changed): log in again.')
})
logout.addEventListener('click', () => {
  forgetKey()
  route()
})
window.addEventListener('hashchange', () => {
  route()
  main.focus()
})
route()
