import { follow, fnPath, json } from './api.js'
import { clock, h, setText } from './dom.js'

interface Line {
  time: string
  level: string
  message: string
  requestId?: string
}

const MAX_LINES = 1000
const RETRY_MS = 2000
/** Within this many pixels of the end counts as "at the bottom". */
const SLACK_PX = 8

/**
 * The function's recent log and new lines as they come (the SSE stream). It stays scrolled to the
 * newest line unless the user scrolled up; then a button brings them back.
 */
export function logTail(name: string): { el: HTMLElement; stop: () => void } {
  const box = h('div', {
    class: 'log',
    role: 'log',
    tabindex: 0,
    'aria-label': `Log of ${name}`,
  })
  const state = h('span', { class: 'log-state', role: 'status' }, 'connecting…')
  const jump = h('button', { type: 'button', class: 'jump', hidden: true }, 'Jump to latest')
  const seen = new Set<string>()
  const controller = new AbortController()

  const atBottom = () => box.scrollHeight - box.scrollTop - box.clientHeight <= SLACK_PX
  box.addEventListener('scroll', () => {
    jump.hidden = atBottom()
  })
  jump.addEventListener('click', () => {
    box.scrollTop = box.scrollHeight
    jump.hidden = true
  })

  function add(lines: Line[]): void {
    const stick = atBottom()
    for (const line of lines) {
      const id = `${line.time}|${line.requestId ?? ''}|${line.message}`
      if (seen.has(id)) continue
      seen.add(id)
      box.append(
        h(
          'div',
          { class: `line lvl-${line.level}` },
          h('time', { datetime: line.time }, clock(line.time)),
          h('span', { class: 'lvl' }, line.level),
          h('span', { class: 'msg' }, line.message),
        ),
      )
    }
    while (box.childElementCount > MAX_LINES) box.firstElementChild?.remove()
    if (seen.size > MAX_LINES * 2) seen.clear()
    if (stick) box.scrollTop = box.scrollHeight
    else jump.hidden = false
  }

  async function run(): Promise<void> {
    while (!controller.signal.aborted) {
      try {
        await follow(
          `/_fnhost/v1/logs?follow=1&function=${encodeURIComponent(name)}`,
          (event, data) => {
            if (event === 'ready') {
              setText(state, 'following')
              // History after the stream is open: nothing falls between the two.
              void json<{ lines: Line[] }>(`/_fnhost/v1/functions/${fnPath(name)}/logs`).then(
                (r) => add(r.lines),
                () => undefined,
              )
            } else if (event === 'log') add([JSON.parse(data) as Line])
          },
          controller.signal,
        )
        if (!controller.signal.aborted) setText(state, 'stream ended, reconnecting…')
      } catch (e) {
        if (controller.signal.aborted) return
        setText(state, `disconnected (${(e as Error).message}), retrying…`)
      }
      await new Promise((r) => window.setTimeout(r, RETRY_MS))
    }
  }
  void run()

  const el = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'log-h' },
    h('div', { class: 'panel-head' }, h('h2', { id: 'log-h' }, 'Log'), state),
    box,
    jump,
  )
  return { el, stop: () => controller.abort() }
}
