import { afterAll } from 'vitest'
import { quickjsWasmModule } from '../../host/sandbox/quickjs/wasm.js'
import { restoreGlobals } from './globals.js'
import { afterTestFile } from './host.js'

/**
 * Setup file of every test project, run before each test file. Files of the parallel group share
 * their process (one after another), and modules are imported once per process: what a file
 * leaves in shared state ends with it here (globals a server replaced, the shared test pool unless
 * the file left it idle).
 */
afterAll(async () => {
  await afterTestFile()
  restoreGlobals()
})

/*
 * The QuickJS engine compiled once on the test process's main thread, and held for its life (the
 * module keeps it): V8 shares a wasm module's compiled code between the threads of a process by
 * its bytes, so every pool worker and scanner a test process starts (over a hundred in the
 * parallel group) finds the engine compiled, its hot functions optimized, instead of compiling it
 * again, as each did once the pool before it had ended (~0.25 CPU-s each). Compiling here is
 * lazy: it costs ~10 ms.
 */
void quickjsWasmModule()
