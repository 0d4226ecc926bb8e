import { FnhostError } from '../errors.js'
import { DeviceFunction } from '../sandbox/micro/device/device-function.js'
import type { LoadedFunction } from '../sandbox/types.js'
import { BOARD_NAMES, isBoardName } from '../toolchain/mcu/boards.js'
import type { FunctionSpec } from '../types.js'
import { UsageError } from './args.js'

/** Checks `--board` before anything runs. */
export function boardOption(board: string | undefined): string | undefined {
  if (board !== undefined && !isBoardName(board))
    throw new UsageError(`--board takes ${BOARD_NAMES.join(', ')}; got '${board}'`)
  return board
}

/** `fnhost invoke --board B`: the function's firmware for B, run by QEMU or natively. */
export async function loadOnBoard(spec: FunctionSpec, board: string): Promise<LoadedFunction> {
  if (!isBoardName(board)) throw new UsageError(`unknown board '${board}'`)
  if (spec.kind !== 'micro')
    throw new FnhostError(
      'FUNCTION_LOAD_FAILED',
      `function ${spec.name} is not an fnmicro module; only fnmicro modules run on a board`,
    )
  return DeviceFunction.load(spec, board)
}
