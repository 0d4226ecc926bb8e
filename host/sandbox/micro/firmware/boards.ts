/** The targets `fnhost build --board` knows: two QEMU-emulated MPS2 boards and the host itself. */
import { BOARD_NAMES, type BoardName } from '../../../board-names.js'

export { BOARD_NAMES, type BoardName }

export interface Board {
  name: BoardName
  /** What the firmware runs on, for reports. */
  describe: string
  /** arm-none-eabi-gcc CPU flags; absent for native. */
  cpuFlags?: string[]
  /** Linker script under guests/mcu/boards/. */
  linkerScript?: string
  /** -D flags of guests/mcu/boards/cmsdk.c. */
  defines?: Record<string, string>
  /** `qemu-system-arm -M` machine. */
  qemuMachine?: string
}

export const BOARDS: Record<BoardName, Board> = {
  'mps2-an505': {
    name: 'mps2-an505',
    describe: 'MPS2 AN505, Cortex-M33 (the RP2350 core)',
    cpuFlags: ['-mcpu=cortex-m33', '-mthumb', '-mfloat-abi=soft'],
    linkerScript: 'mps2-an505.ld',
    // The UART's secure alias: the firmware runs in the secure world it boots in.
    defines: { FNM_UART_BASE: '0x50200000u', FNM_SYSCLK_HZ: '20000000u' },
    qemuMachine: 'mps2-an505',
  },
  'mps2-an385': {
    name: 'mps2-an385',
    describe: 'MPS2 AN385, Cortex-M3',
    cpuFlags: ['-mcpu=cortex-m3', '-mthumb', '-mfloat-abi=soft'],
    linkerScript: 'mps2-an385.ld',
    defines: { FNM_UART_BASE: '0x40004000u', FNM_SYSCLK_HZ: '25000000u' },
    qemuMachine: 'mps2-an385',
  },
  native: { name: 'native', describe: 'this machine, as a process on stdin/stdout' },
}

export function isBoardName(name: string): name is BoardName {
  return (BOARD_NAMES as readonly string[]).includes(name)
}
