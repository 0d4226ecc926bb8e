/**
 * The targets an fnmicro module can be built for and served from (docs/mcu.md). A leaf module:
 * function config (config.ts) and the firmware builder (sandbox/micro/firmware/boards.ts) name them.
 */
export const BOARD_NAMES = ['mps2-an505', 'mps2-an385', 'native'] as const
export type BoardName = (typeof BOARD_NAMES)[number]
