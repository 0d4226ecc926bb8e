import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten-core'
import type { VendorBundle } from '../../types.js'
import {
  dropEngine as drop,
  engineFromTemplate,
  runPreludeAhead,
  type RanPrelude,
} from './template.js'
import { engineFromImage } from './image.js'
import { acquireQuickJSInstance, takeIdleInstance, type QuickJSInstance } from './wasm.js'
import { phaseMark } from '../../observe/phase-marks.js'

/** A QuickJS runtime and context in their own engine instance, before any guest code ran. */
export interface Engine {
  instance: QuickJSInstance
  runtime: QuickJSRuntime
  context: QuickJSContext
  /** The prelude run in `context` ahead of its function, when the engine was made ahead. */
  ran?: RanPrelude
  /** A vendor bundle compiled (not run) into `context`, when made ahead for a package set. */
  vendor?: QuickJSHandle
  vendorDigest?: string
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

/** A package set: the vendor bundle a spare engine has compiled, or none. */
type Packages = VendorBundle | undefined

/**
 * The engines made ahead: one for functions without packages (`plain`), and one for the package
 * set last asked for (`vendored`), a copy of that set's template with its vendor bundle compiled
 * (template.ts). A function's engine is never another's: the vendor bundle is compiled, not run,
 * in the spare, and runs in the function that takes it.
 */
interface Slot {
  spare?: Engine
  making?: NodeJS.Timeout
  inFlight?: InFlight
}
const slots: { plain: Slot; vendored: Slot } = { plain: {}, vendored: {} }

/** A spare being made, and for what: one at a time per slot, and a load of that kind waits for it. */
type InFlight = { memoryMb: number; digest: string | undefined; done: Promise<void> }

const slotOf = (packages: Packages) => (packages ? slots.vendored : slots.plain)

const fits = (engine: Engine | undefined, memoryMb: number, packages: Packages) =>
  engine !== undefined &&
  engine.instance.memoryMb === memoryMb &&
  engine.vendorDigest === packages?.digest

function makeSpareIn(memoryMb: number, packages: Packages, delayMs: number): void {
  const slot = slotOf(packages)
  clearTimeout(slot.making)
  slot.making = setTimeout(() => void makeSpareOnce(memoryMb, packages), delayMs)
  slot.making.unref()
}

function makeSpareOnce(memoryMb: number, packages: Packages): Promise<void> {
  const slot = slotOf(packages)
  if (slot.inFlight) return slot.inFlight.done
  phaseMark('w:spare-start', packages ? 'vendored' : 'plain')
  const done = makeSpare(memoryMb, packages)
    .catch(() => undefined)
    .finally(() => {
      phaseMark('w:spare-done')
      slot.inFlight = undefined
    })
  slot.inFlight = { memoryMb, digest: packages?.digest, done }
  return done
}

/**
 * A new engine: on the instance `owner` released last, if one is kept, else copied from the
 * binary's engine image (prelude run, image.ts), else made here.
 */
export async function newEngine(memoryMb: number, owner?: string): Promise<Engine> {
  const own = takeIdleInstance(owner)
  const copied = own ? undefined : await engineFromImage(memoryMb)
  return copied ?? bareEngine(memoryMb, own)
}

async function makeSpare(memoryMb: number, packages: Packages): Promise<void> {
  const slot = slotOf(packages)
  if (fits(slot.spare, memoryMb, packages)) return
  if (slot.spare) drop(slot.spare)
  slot.spare = undefined
  if (packages) {
    const copied = await engineFromTemplate(memoryMb, packages)
    if (copied && !slot.spare) slot.spare = copied
    else if (copied) drop(copied)
    return
  }
  const engine = await newEngine(memoryMb)
  const ran = engine.ran ?? runPreludeAhead(engine.context)
  if (!ran) return drop(engine)
  const made: Engine = { ...engine, ran }
  // Another spare for this slot may have been asked for while this one compiled.
  if (slot.spare) return drop(made)
  slot.spare = made
}

/**
 * An engine for a runtime capped at `memoryMb` for a function using `packages` (its folder's
 * vendor bundle, if any): the one made ahead, with the prelude run (and the vendor bundle
 * compiled), when it fits, else a new one. Every sandbox is built on a fresh engine instance (a
 * spare has run no guest code, only the prelude, before it knew its function); after one is taken
 * the next is made shortly after, for what was last asked for, so a new function's first load
 * does not wait for the engine, the compilations and the prelude's run.
 */
export async function takeEngine(
  memoryMb: number,
  owner?: string,
  packages?: Packages,
): Promise<Engine> {
  const slot = slotOf(packages)
  const making = slot.inFlight
  if (making?.memoryMb === memoryMb && making.digest === packages?.digest) await making.done
  const ready = fits(slot.spare, memoryMb, packages) ? slot.spare : undefined
  if (ready) slot.spare = undefined
  makeSpareIn(memoryMb, packages, SPARE_DELAY_MS)
  if (ready) return ready
  return (packages && (await engineFromTemplate(memoryMb, packages))) || newEngine(memoryMb, owner)
}

/**
 * An engine where nothing has run: a runtime and context made on `instance`, else on a fresh
 * instance (never a copy of an image).
 */
export async function bareEngine(memoryMb: number, instance?: QuickJSInstance): Promise<Engine> {
  const on = instance ?? (await acquireQuickJSInstance(memoryMb))
  const runtime = on.module.newRuntime()
  return { instance: on, runtime, context: runtime.newContext() }
}

/**
 * An engine for a scan-time check that compiles a file (never runs it), then drops the engine.
 * Where a spare of that size is made (a serving worker that has just started makes one while it
 * waits, and the first scan's checks run there), the check takes it and the next is made at
 * once, while the check's answer goes to the main thread and the load comes back: the first load
 * still finds one, and the check does not wait behind the making of an engine it cannot use.
 * Elsewhere (the scanner thread) a fresh engine.
 */
export async function checkEngine(memoryMb: number): Promise<Engine> {
  const slot = slots.plain
  const making = slot.inFlight
  if (making?.memoryMb === memoryMb && making.digest === undefined) await making.done
  const ready = fits(slot.spare, memoryMb, undefined) ? slot.spare : undefined
  if (!ready) return newEngine(memoryMb)
  slot.spare = undefined
  makeSpareIn(memoryMb, undefined, 0)
  return ready
}

/**
 * Makes an engine of `memoryMb` (no packages) ahead now, unless one is: a serving worker that has
 * just started does so while it waits for its first work, so the first load (most often of the
 * default cap) finds the prelude run, and the engine's code warm.
 */
export function prepareSpare(memoryMb: number): Promise<void> {
  return makeSpareOnce(memoryMb, undefined)
}

/** A load on an engine of `memoryMb` has settled (loaded or failed): the next spare is made soon. */
export function loadSettled(memoryMb: number, packages?: Packages): void {
  makeSpareIn(memoryMb, packages, SPARE_AFTER_LOAD_MS)
}

/**
 * A function using `packages` is being loaded on another worker: its package set's template and
 * a spare copy are made here soon (after work already queued), for when one lands here.
 */
export function expectPackages(memoryMb: number, packages: VendorBundle): void {
  if (!fits(slots.vendored.spare, memoryMb, packages))
    makeSpareIn(memoryMb, packages, SPARE_AFTER_LOAD_MS)
}

/** Whether an engine for `memoryMb` (and `packages`) is ready ahead, for the next such load. */
export function spareReady(memoryMb: number, packages?: Packages): boolean {
  return fits(slotOf(packages).spare, memoryMb, packages)
}
