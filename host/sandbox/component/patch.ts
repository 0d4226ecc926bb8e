/**
 * What the host changes in jco's generated module: text edits checked against jco-transpile's
 * pinned output (its version is part of the cache key, so a new jco transpiles afresh).
 */

/**
 * jco's generated `_debugLog` reads `process.env` on every call: a real share of a call's cost,
 * and host state the host never means to consult for a guest. The host never turns it on.
 */
const DEBUG_CHECK = 'if (!globalThis?.process?.env?.JCO_DEBUG) { return; }'

/**
 * Every instantiation wraps each realloc with `WebAssembly.promising` inside a try, falling back
 * to the plain function. Node 20 has no JSPI, so the call throws a TypeError, and V8 renders the
 * "is not a function" message by re-parsing the enclosing function: jco's whole instantiation
 * generator, thousands of lines, on every instance (over half of a fresh instance's cost).
 * Falling back without the throw gives the same function.
 */
const PROMISING_CALL = 'WebAssembly.promising('
const PROMISING_OR_PLAIN = '(WebAssembly.promising ?? ((f) => f))('

/**
 * Every call from the guest to a host import copies its arguments through an iterator first;
 * a plain slice is the same array, and takes ~13 % off a warm instance's request.
 */
const PARAMS_SPREAD = 'const params = [...arguments].slice(1);'
const PARAMS_SLICE = 'const params = Array.prototype.slice.call(arguments, 1);'

const SIGNATURE =
  'export function instantiate(getCoreModule, imports, instantiateCore = (module, importObject) => new WebAssembly.Instance(module, importObject)) {'
const HANDLE_TABLES = 'const HANDLE_TABLES= [];'
const TABLE_SET = /^ {2}HANDLE_TABLES\[(\d+)\] = handleTable(\d+);$/gm

/**
 * The glue's resource tables, handed out through a fourth `instantiate` argument: per resource
 * type, the handle table (the guest's handle numbers) and the capture table (the host objects
 * behind them). A snapshot of an instance copies them, and a restore puts them back, so no
 * handle of one request reaches the next. Returns undefined when jco's output does not have the
 * expected shape; such a component gets a real fresh instance per request.
 */
function exposeGlue(js: string): string | undefined {
  if (js.split(SIGNATURE).length !== 2) return undefined
  const withGlue = js.replace(SIGNATURE, `${SIGNATURE.slice(0, -3)}, glue = {}) {`)
  const tables = [...withGlue.matchAll(TABLE_SET)]
  if (!withGlue.includes(HANDLE_TABLES))
    return tables.length === 0 && !withGlue.includes('HANDLE_TABLES') ? withGlue : undefined
  if (withGlue.split(HANDLE_TABLES).length !== 2) return undefined
  for (const [, index, table] of tables)
    if (index !== table || !withGlue.includes(`  const captureTable${index}= new Map();\n`))
      return undefined
  return (leanSyncCalls(withGlue) ?? withGlue)
    .replace(
      HANDLE_TABLES,
      `${HANDLE_TABLES} const CAPTURE_TABLES= []; glue.handleTables = HANDLE_TABLES; glue.captureTables = CAPTURE_TABLES;`,
    )
    .replace(
      TABLE_SET,
      (line, index: string) => `${line} CAPTURE_TABLES[${index}] = captureTable${index};`,
    )
}

const LOWER_IMPORT = `  function _lowerImportBackwardsCompat(args) {
    ${PARAMS_SLICE}
`
const TASK_CREATION = '\n    taskCreation: {\n      parentTask = getCurrentTask(\n'
/** Where a generated import body ends. */
const BODY_END = /^ {2}_trampoline\d+\.fnName = /m
/** What an import body may ask of its host-side task, all of which the stand-in answers. */
const STAND_IN_METHODS = new Set([
  'enterSync',
  'componentIdx',
  'id',
  'getParentSubtask',
  'setParentSubtask',
  'resolve',
  'exit',
  'setErrored',
  'reject',
])

/**
 * jco runs every call from the guest to a host import as a subtask of the export's task, with a
 * task of its own for the host side: two tasks' bookkeeping (promises, waitables, handle-table
 * entries, borrow scopes), made and torn down on every call, the larger part of a small
 * component's request. That machinery serves the component model's async calls. Given
 * `glue.leanSync` (a component that uses no async builtins, see canon.ts), a synchronous call to a
 * synchronous import from inside an export runs its generated body directly: the guest's
 * may-leave check, the lifting and lowering, the borrow and handle checks stay; the host side's
 * task is a stand-in that records nothing. Returns undefined when the output has another shape.
 */
function leanSyncCalls(js: string): string | undefined {
  const bodies = js.split(TASK_CREATION).slice(1)
  if (js.split(LOWER_IMPORT).length !== 2 || bodies.length === 0) return undefined
  for (const body of bodies) {
    const end = body.search(BODY_END)
    if (end < 0) return undefined
    for (const [, method] of body.slice(0, end).matchAll(/\btask\.(\w+)\(/g))
      if (!STAND_IN_METHODS.has(method!)) return undefined
  }
  const lean = `  let LEAN_CALL = false;
  const takeLeanCall = () => { const lean = LEAN_CALL; LEAN_CALL = false; return lean; };
  const LEAN_HOST_TASK = {
    enterSync: () => true, componentIdx: () => -1, id: () => -1, getParentSubtask: () => undefined,
    setParentSubtask() {}, resolve() {}, exit() {}, setErrored() {}, reject() {},
  };
${LOWER_IMPORT}    if (glue.leanSync === true && !args.isAsync && !args.isManualAsync && !args.funcTypeIsAsync && CURRENT_TASK_META[args.componentIdx]) {
      _checkMayLeave(args.componentIdx);
      LEAN_CALL = true;
      try { return args.importFn(...params); } finally { LEAN_CALL = false; }
    }
`
  return js
    .replace(LOWER_IMPORT, lean)
    .replaceAll(
      TASK_CREATION,
      TASK_CREATION.replace(
        'taskCreation',
        'if (takeLeanCall()) task = LEAN_HOST_TASK; else taskCreation',
      ),
    )
}

export interface Patched {
  js: string
  /** The glue's resource tables are reachable (see exposeGlue): instances can be restored. */
  glue: boolean
}

export function patchGenerated(generated: string): Patched {
  const js = generated
    .replace(DEBUG_CHECK, 'return;')
    .replaceAll(PROMISING_CALL, PROMISING_OR_PLAIN)
    .replaceAll(PARAMS_SPREAD, PARAMS_SLICE)
  const exposed = exposeGlue(js)
  return exposed === undefined ? { js, glue: false } : { js: exposed, glue: true }
}
