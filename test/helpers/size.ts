/**
 * Stress loops (thousands of requests, a series of kills) run whole in `npm test` and at a smaller
 * size in `npm run test:fast` (FNHOST_TEST_QUICK=1), the inner loop: the same checks, less load.
 */
export const QUICK = process.env.FNHOST_TEST_QUICK === '1'

/** `full` in `npm test`, `quick` in `npm run test:fast`. */
export function sized<T>(full: T, quick: T): T {
  return QUICK ? quick : full
}
