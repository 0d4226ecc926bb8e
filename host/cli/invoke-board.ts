import { BOARD_NAMES, isBoardName, type BoardName } from '../sandbox/micro/firmware/boards.js'
import { UsageError } from './args.js'

/** Checks `--board` before anything runs. */
export function boardOption(board: string | undefined): BoardName | undefined {
  if (board !== undefined && !isBoardName(board))
    throw new UsageError(`--board takes ${BOARD_NAMES.join(', ')}; got '${board}'`)
  return board
}
