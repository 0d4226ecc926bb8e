import type { QuickJSHandle } from 'quickjs-emscripten-core'
import { FnhostError } from '../../errors.js'
import type { FunctionSpec } from '../../types.js'
import type { EventLoop } from './event-loop.js'
import { fillHostObject } from './hostcalls.js'
import type { Invocation } from './invocation.js'
import type { Style } from './marshal.js'
import { PRELUDE_FILENAME, preludeSource, type PreludeInit } from './prelude.js'
import type { GuestRuntime } from './runtime.js'
import type { RanPrelude } from './template.js'
import { cjsWrapper, decodeSource, moduleKind } from './source.js'
import { phaseMark } from '../../observe/phase-marks.js'

/** The prelude's internals the host calls; owned by the caller. */
export interface PreludeHandles {
  internals: QuickJSHandle
  runCjs: QuickJSHandle
  bind: QuickJSHandle
  invoke: QuickJSHandle
}

/** A load failure as the host reports it: FUNCTION_LOAD_FAILED with the reason. */
export function loadFailure(filename: string, e: unknown): FnhostError {
  if (e instanceof FnhostError && e.code === 'FUNCTION_LOAD_FAILED') return e
  if (!(e instanceof FnhostError))
    return new FnhostError('FUNCTION_LOAD_FAILED', `${filename} failed to load`, { cause: e })
  const at = /:(\d+):(\d+)/.exec(e.guestStack ?? '')
  const where = e.message.startsWith('SyntaxError') && at ? ` (line ${at[1]}, column ${at[2]})` : ''
  return new FnhostError(
    'FUNCTION_LOAD_FAILED',
    `${filename} failed to load: ${e.message}${where}`,
    {
      cause: e,
      guestStack: e.guestStack,
    },
  )
}

/**
 * The prelude in the sandbox's context, given its host calls and then its function's settings
 * (internals.configure), before any of the function's code runs. An engine made ahead ran the
 * prelude already (template.ts runPreludeAhead); any other is compiled and run here.
 */
export function startPrelude(
  rt: GuestRuntime,
  loop: EventLoop,
  inv: Invocation,
  init: PreludeInit,
): PreludeHandles {
  const ctx = rt.context
  const timeOrigin = performance.now()
  const { host, internals } = rt.takeRanPrelude() ?? runPrelude(rt, loop, inv)
  try {
    const configured = rt.enter(inv, () => {
      fillHostObject(host, {
        rt,
        timers: loop.timers,
        fetches: loop.fetches,
        kv: loop.kv,
        timeOrigin,
      })
      const configure = ctx.getProp(internals, 'configure')
      const initJSON = ctx.newString(JSON.stringify(init))
      try {
        return ctx.callFunction(configure, internals, initJSON)
      } finally {
        configure.dispose()
        initJSON.dispose()
      }
    })
    loop.unwrap(inv, configured).dispose()
  } finally {
    host.dispose()
  }
  const [runCjs, bind, invoke] = rt.enter(inv, () =>
    ['runCjs', 'bind', 'invoke'].map((k) => ctx.getProp(internals, k)),
  ) as [QuickJSHandle, QuickJSHandle, QuickJSHandle]
  return { internals, runCjs, bind, invoke }
}

/** Compiles and runs the prelude here, its host object still empty (see startPrelude). */
function runPrelude(rt: GuestRuntime, loop: EventLoop, inv: Invocation): RanPrelude {
  const ctx = rt.context
  const prelude = loop.unwrap(
    inv,
    rt.enter(inv, () => ctx.evalCode(preludeSource(), PRELUDE_FILENAME, { type: 'global' })),
  )
  const host = ctx.newObject()
  try {
    const ran = rt.enter(inv, () => ctx.callFunction(prelude, ctx.undefined, host))
    return { host, internals: loop.unwrap(inv, ran) }
  } catch (e) {
    host.dispose()
    throw e
  } finally {
    prelude.dispose()
  }
}

async function evalEsm(
  rt: GuestRuntime,
  loop: EventLoop,
  inv: Invocation,
  source: string,
  filename: string,
): Promise<QuickJSHandle> {
  const ctx = rt.context
  const evaluated = loop.unwrap(
    inv,
    rt.enter(inv, () => ctx.evalCode(source, filename, { type: 'module' })),
  )
  phaseMark('w:evalCode')
  try {
    return await loop.settle(inv, evaluated)
  } finally {
    rt.release(evaluated)
  }
}

function evalCjs(
  rt: GuestRuntime,
  loop: EventLoop,
  inv: Invocation,
  runCjs: QuickJSHandle,
  source: string,
  filename: string,
): QuickJSHandle {
  const ctx = rt.context
  const fn = loop.unwrap(
    inv,
    rt.enter(inv, () => ctx.evalCode(cjsWrapper(source), filename, { type: 'global' })),
  )
  try {
    const result = rt.enter(inv, () => {
      const name = ctx.newString(filename)
      try {
        return ctx.callFunction(runCjs, ctx.undefined, fn, name)
      } finally {
        name.dispose()
      }
    })
    const exports = loop.unwrap(inv, result)
    loop.drain(inv)
    return exports
  } finally {
    rt.release(fn)
  }
}

/** Evaluates the function's module (ESM or CommonJS) and binds its handler; returns the style. */
export async function loadModule(
  rt: GuestRuntime,
  loop: EventLoop,
  inv: Invocation,
  prelude: PreludeHandles,
  spec: FunctionSpec,
  filename: string,
): Promise<Style> {
  const ctx = rt.context
  const source = decodeSource(spec.source)
  phaseMark('w:decoded')
  const kind = spec.format ?? moduleKind(spec.file, source)
  const ns =
    kind === 'esm'
      ? await evalEsm(rt, loop, inv, source, filename)
      : evalCjs(rt, loop, inv, prelude.runCjs, source, filename)
  try {
    phaseMark('w:evaluated')
    const { style, handler } = spec.config
    const result = rt.enter(inv, () => {
      const args = [
        ctx.newNumber(kind === 'cjs' ? 1 : 0),
        ctx.newString(style ?? ''),
        ctx.newString(handler ?? ''),
      ]
      try {
        return ctx.callFunction(prelude.bind, ctx.undefined, ns, ...args)
      } finally {
        for (const a of args) a.dispose()
      }
    })
    if (result.error) {
      const e = loop.exception(inv, result.error)
      throw new FnhostError('FUNCTION_LOAD_FAILED', `${filename}: ${e.message}`)
    }
    const bound = rt.enter(inv, () => ctx.getString(result.value)) as Style
    result.value.dispose()
    return bound
  } finally {
    rt.release(ns)
  }
}
