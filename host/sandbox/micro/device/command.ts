import { BOARDS } from '../firmware/boards.js'
import type { Firmware } from '../firmware/firmware.js'
import { findQemu } from '../firmware/tools.js'

/**
 * The process that runs a firmware: the native executable itself, or QEMU with the board's UART0
 * on stdio. No monitor and no mux, so every byte of the serial line is data (-nographic would
 * read Ctrl-A as an escape). `icount` makes QEMU count instructions: one per virtual nanosecond.
 */
export function deviceCommand(fw: Firmware, options: { icount?: boolean }): [string, string[]] {
  const board = BOARDS[fw.board]
  if (!board.qemuMachine) return [fw.file, []]
  const args = ['-M', board.qemuMachine, '-nodefaults', '-display', 'none', '-monitor', 'none']
  args.push('-serial', 'stdio', '-nic', 'none', '-kernel', fw.file)
  if (options.icount) args.push('-icount', 'shift=0')
  return [findQemu(), args]
}
