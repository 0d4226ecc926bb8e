import { spawn, type ChildProcess } from 'node:child_process'
import { expect } from 'vitest'

/** An example function of each kind, where it sits in a functions folder, and its answer. */
export interface ExampleCheck {
  kind: string
  /** Path under guests/examples. */
  example: string
  /** Path in the functions folder served. */
  file: string
  method: string
  path: string
  body?: string
  status: number
  answer: string
}

export const EXAMPLE_CHECKS: ExampleCheck[] = [
  {
    kind: 'js',
    example: 'hello.js',
    file: 'hello.js',
    method: 'GET',
    path: '/hello?name=Ada',
    status: 200,
    answer: 'Hello, Ada!\n',
  },
  {
    kind: 'wagi',
    example: 'c/hello.wasm',
    file: 'c/hello.wasm',
    method: 'GET',
    path: '/c/hello?name=Ada',
    status: 200,
    answer: 'Hello, Ada!\n',
  },
  {
    kind: 'emscripten',
    example: 'c/wordcount.wasm',
    file: 'c/wordcount.wasm',
    method: 'POST',
    path: '/c/wordcount',
    body: 'one two\nthree\nfour\n',
    status: 200,
    answer: '{"lines":3,"words":4,"bytes":19}',
  },
  {
    kind: 'fnmicro',
    example: 'c/micro-hello.wasm',
    file: 'c/micro-hello.wasm',
    method: 'GET',
    path: '/c/micro-hello?name=Bo',
    status: 200,
    answer: 'Hello, Bo, from fnmicro!\n',
  },
]

/** Checks every example's answer over HTTP against a running server. */
export async function checkAnswers(base: string, checks = EXAMPLE_CHECKS): Promise<void> {
  for (const c of checks) {
    const res = await fetch(base + c.path, { method: c.method, body: c.body })
    const text = await res.text()
    expect({ kind: c.kind, status: res.status, text: text.trim() }).toEqual({
      kind: c.kind,
      status: c.status,
      text: c.answer.trim(),
    })
  }
}

/** Starts an executable in `cwd` with exactly `env` (nothing inherited). */
export function spawnIn(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): ChildProcess {
  return spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
}
