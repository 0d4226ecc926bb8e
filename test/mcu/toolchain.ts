import { BOARDS } from '../../host/sandbox/micro/firmware/boards.js'
import { findMcuTools, findQemu } from '../../host/sandbox/micro/firmware/tools.js'

function present(check: () => unknown): boolean {
  try {
    check()
    return true
  } catch {
    return false
  }
}

/**
 * Whether the microcontroller toolchain (wabt, gcc-arm-none-eabi, picolibc, qemu-system-arm) is
 * here; without it these tests skip, unless CI demands it (FNHOST_REQUIRE_TOOLCHAINS=1).
 */
export const mcuToolchain =
  process.env.FNHOST_REQUIRE_TOOLCHAINS === '1' ||
  (present(() => findMcuTools(BOARDS['mps2-an505'])) &&
    present(() => findMcuTools(BOARDS.native)) &&
    present(findQemu))
