#!/usr/bin/env node
import { fnhostVersion } from '../assets.js'
import { traceStart } from '../observe/start-trace.js'

type Command = {
  summary: string
  load: () => Promise<{ run(argv: string[]): Promise<number> }>
  /** Work to start before the command's modules load (they take a while to). */
  early?: () => Promise<void>
}

const commands: Record<string, Command> = {
  serve: {
    summary: 'serve a folder of functions over HTTP',
    load: () => import('./serve.js'),
    early: async () => (await import('./serve-early.js')).startEarly(),
  },
  invoke: {
    summary: 'run one function once and print its response',
    load: () => import('./invoke.js'),
  },
  build: {
    summary: 'compile the C handlers in a folder to .wasm (--board: an fnmicro .wasm for a device)',
    load: () => import('./build.js'),
  },
  new: { summary: 'write a starter handler', load: () => import('./new.js') },
  token: {
    summary: 'print a JWT that may invoke a private function',
    load: () => import('./token.js'),
  },
  deploy: {
    summary: 'upload a function to a running host (management API)',
    load: () => import('./deploy.js'),
  },
  ls: { summary: 'list the functions of a running host', load: () => import('./ls.js') },
  rm: { summary: 'remove a function from a running host', load: () => import('./rm.js') },
  trigger: {
    summary: "run a function's scheduled handler now on a running host",
    load: () => import('./trigger.js'),
  },
  logs: {
    summary: "print (and follow) a function's recent logs from a running host",
    load: () => import('./logs.js'),
  },
  selftest: {
    summary: 'serve built-in functions of every kind and check their answers',
    load: () => import('./selftest.js'),
  },
  kv: {
    summary: "list, read and write a running host's key-value store",
    load: () => import('./kv.js'),
  },
}

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`)
  return `usage: fnhost <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nfnhost <command> --help for a command's options`
}

async function main(argv: string[]): Promise<number> {
  traceStart('main module loaded')
  const [name, ...rest] = argv
  if (name === '--version' || name === '-v') {
    process.stdout.write(fnhostVersion() + '\n')
    return 0
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n')
    return name === undefined ? 2 : 0
  }
  const command = commands[name]
  if (!command) {
    process.stderr.write(`fnhost: unknown command '${name}'\n\n${usage()}\n`)
    return 2
  }
  if (!rest.includes('--help') && !rest.includes('-h')) await command.early?.()
  return (await command.load()).run(rest)
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (e: unknown) => {
    process.stderr.write(`fnhost: ${e instanceof Error ? e.message : String(e)}\n`)
    process.exitCode = 1
  },
)
