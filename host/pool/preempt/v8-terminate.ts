import type { Session } from 'node:inspector'

/**
 * Stops the JavaScript or wasm running in a worker thread without ending the thread: V8's
 * `Runtime.terminateExecution`, sent through this process's own inspector (an in-process session,
 * the `NodeWorker` domain; no port is opened). V8 checks for it in every JS and wasm loop, so it
 * lands in guest code the way `worker.terminate()` would, but the worker's event loop goes on.
 */
export interface Terminator {
  /** Whether the worker with this thread id can be reached (the inspector attached to it). */
  reaches(threadId: number): boolean
  /** Sends the termination to the worker with this thread id; false if it is not attached. */
  terminate(threadId: number): boolean
}

/**
 * The inspector numbers workers in the order it attaches to them, which is not their thread id;
 * the title it reports ("[worker <threadId>]", Node's default name) carries the thread id.
 */
const THREAD_IN_TITLE = /^\[worker (\d+)\]$/

class InspectorTerminator implements Terminator {
  /** Inspector session id by worker thread id. */
  private readonly sessions = new Map<string, string>()
  private nextId = 1

  constructor(private readonly session: Session) {
    session.on('NodeWorker.attachedToWorker', ({ params }) => {
      const thread = THREAD_IN_TITLE.exec(params.workerInfo.title)?.[1]
      if (thread !== undefined) this.sessions.set(thread, params.sessionId)
    })
    session.on('NodeWorker.detachedFromWorker', ({ params }) => {
      for (const [thread, id] of this.sessions)
        if (id === params.sessionId) this.sessions.delete(thread)
    })
    session.post('NodeWorker.enable', { waitForDebuggerOnStart: false })
  }

  reaches(threadId: number): boolean {
    return this.sessions.has(String(threadId))
  }

  terminate(threadId: number): boolean {
    const sessionId = this.sessions.get(String(threadId))
    if (sessionId === undefined) return false
    const message = JSON.stringify({ id: this.nextId++, method: 'Runtime.terminateExecution' })
    this.session.post('NodeWorker.sendMessageToWorker', { sessionId, message })
    return true
  }
}

let shared: Promise<Terminator | string> | undefined

type InspectorModule = typeof import('node:inspector')

/**
 * node:inspector, through process.getBuiltinModule where Node has it (20.16+): the single
 * binary's main script has no loader for a dynamic import(), which would leave its pools without
 * in-place stops.
 */
async function inspectorModule(): Promise<InspectorModule> {
  const get = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule
  const builtin = get?.call(process, 'node:inspector') as InspectorModule | undefined
  return builtin ?? import('node:inspector')
}

/**
 * The process's terminator (one inspector session serves every pool), or why there is none: a
 * Node built without the inspector, or one whose session cannot be opened.
 */
export function v8Terminator(): Promise<Terminator | string> {
  shared ??= inspectorModule().then(
    ({ Session }) => {
      try {
        const session = new Session()
        session.connect()
        return new InspectorTerminator(session)
      } catch (e) {
        return `the inspector session could not be opened (${(e as Error).message})`
      }
    },
    () => 'this Node has no inspector (node:inspector)',
  )
  return shared
}
