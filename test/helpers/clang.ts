import { findClang } from '../../host/toolchain/clang.js'

function hasClang(): boolean {
  try {
    findClang()
    return true
  } catch {
    return false
  }
}

/**
 * Whether the tests that build C run: with clang-19 present, or always where CI demands the
 * toolchain (FNHOST_REQUIRE_TOOLCHAINS=1), so a missing one fails there instead of skipping.
 */
export const clangToolchain = hasClang() || process.env.FNHOST_REQUIRE_TOOLCHAINS === '1'
