import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten-core'
import { PRELUDE_FILENAME, preludeSource } from './prelude.js'
import { acquireQuickJSInstance, type QuickJSInstance } from './wasm.js'

/** A QuickJS runtime and context in their own engine instance, before any guest code ran. */
export interface Engine {
  instance: QuickJSInstance
  runtime: QuickJSRuntime
  context: QuickJSContext
  /** The prelude compiled (not run) into `context`, when the engine was made ahead. */
  prelude?: QuickJSHandle
}

/**
 * How long after an engine is taken the next spare is made, at the latest: the load that took it,
 * and the first request it serves, run first (a timer due meanwhile would run before a queued
 * request). Making one costs this thread ~10-20 ms; a burst of loads makes one, after the last.
 */
export const SPARE_DELAY_MS = 200

/**
 * How long after a load settles the next spare is made, when that comes sooner: a request already
 * waiting for the load runs first. A bundle's load alone can take most of SPARE_DELAY_MS, and
 * a second new function written right after the first is served would otherwise find no spare.
 */
export const SPARE_AFTER_LOAD_MS = 10

let spare: Engine | undefined
let making: NodeJS.Timeout | undefined
/** A spare being made, and for which cap: one at a time, and a load of that cap waits for it. */
let inFlight: { memoryMb: number; done: Promise<void> } | undefined

function makeSpareIn(memoryMb: number, delayMs: number): void {
  clearTimeout(making)
  making = setTimeout(() => void makeSpareOnce(memoryMb), delayMs)
  making.unref()
}

function makeSpareOnce(memoryMb: number): Promise<void> {
  if (inFlight) return inFlight.done
  const done = makeSpare(memoryMb)
    .catch(() => undefined)
    .finally(() => (inFlight = undefined))
  inFlight = { memoryMb, done }
  return done
}

export async function newEngine(memoryMb: number, owner?: string): Promise<Engine> {
  const instance = await acquireQuickJSInstance(memoryMb, owner)
  const runtime = instance.module.newRuntime()
  return { instance, runtime, context: runtime.newContext() }
}

function drop(engine: Engine): void {
  engine.prelude?.dispose()
  engine.context.dispose()
  engine.runtime.dispose()
}

async function makeSpare(memoryMb: number): Promise<void> {
  if (spare?.instance.memoryMb === memoryMb) return
  if (spare) drop(spare)
  spare = undefined
  const engine = await newEngine(memoryMb)
  const compiled = engine.context.evalCode(preludeSource(), PRELUDE_FILENAME, { type: 'global' })
  if (compiled.error) {
    // The prelude is the host's own code: this cannot happen short of a broken build, and then
    // every load reports it on its own path.
    compiled.error.dispose()
    return drop(engine)
  }
  spare = { ...engine, prelude: compiled.value }
}

/**
 * An engine for a runtime capped at `memoryMb`: the one made ahead, with its prelude compiled,
 * when its cap matches, else a new one. Every sandbox is built on a fresh engine instance (a
 * spare has run no guest code); after one is taken the next is made shortly after, for the cap
 * last asked for, so a new function's first load does not wait for the engine and the prelude's
 * compilation.
 */
export async function takeEngine(memoryMb: number, owner?: string): Promise<Engine> {
  if (inFlight?.memoryMb === memoryMb) await inFlight.done
  const ready = spare?.instance.memoryMb === memoryMb ? spare : undefined
  if (ready) spare = undefined
  makeSpareIn(memoryMb, SPARE_DELAY_MS)
  return ready ?? newEngine(memoryMb, owner)
}

/**
 * An engine for a runtime that runs no function: a scan-time check compiles a file, or evaluates
 * its config literal, on a fresh engine and leaves the one made ahead to the next load.
 */
export function checkEngine(memoryMb: number): Promise<Engine> {
  return newEngine(memoryMb)
}

/**
 * Makes an engine of `memoryMb` ahead now, unless one is: a serving worker that has just started
 * does so while it waits for its first work, so the first load (most often of the default cap)
 * finds the prelude compiled, and the engine's code warm.
 */
export function prepareSpare(memoryMb: number): Promise<void> {
  return makeSpareOnce(memoryMb)
}

/** A load on an engine of `memoryMb` has settled (loaded or failed): the next spare is made soon. */
export function loadSettled(memoryMb: number): void {
  makeSpareIn(memoryMb, SPARE_AFTER_LOAD_MS)
}

/** Whether an engine for `memoryMb` is ready ahead (what the next load of that cap gets). */
export function spareReady(memoryMb: number): boolean {
  return spare?.instance.memoryMb === memoryMb
}
