import { afterAll } from 'vitest'
import { restoreGlobals } from './globals.js'
import { endFilePool } from './host.js'

/**
 * Setup file of every test project, run before each test file. Files of the parallel group share
 * their process (one after another), and modules are imported once per process: what a file
 * leaves in shared state ends with it here (its shared pool, globals a server replaced).
 */
afterAll(async () => {
  await endFilePool()
  restoreGlobals()
})
