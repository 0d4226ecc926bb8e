/**
 * Time bounds in tests are named constants scaled by one environment variable, so a slow or
 * shared machine can widen every bound at once: FNHOST_TEST_TIME_SCALE=3 npm test.
 */
export const TIME_SCALE = Math.max(1, Number(process.env.FNHOST_TEST_TIME_SCALE ?? '1') || 1)

/** `ms` scaled by FNHOST_TEST_TIME_SCALE. */
export function scaled(ms: number): number {
  return Math.round(ms * TIME_SCALE)
}
