/*
 * board.h - what the fnmicro device runtime needs from a board: a byte pipe and a tick counter.
 * One implementation per target under boards/ (a CMSDK UART for the MPS2 boards, stdio for
 * native). Every call blocks; there are no interrupts on the data path.
 */
#ifndef FNM_BOARD_H
#define FNM_BOARD_H

#include <stdint.h>

/* Brings up the clock, the UART and the tick counter. */
void board_init(void);
/* Blocks until one byte has arrived on the serial line (native: stdin; exits at end of input). */
uint8_t board_getc(void);
/* Sends `len` bytes on the serial line, blocking until each is accepted. */
void board_write(const void *data, uint32_t len);
/* Flushes what board_write buffered (native stdout; a no-op on UARTs). */
void board_flush(void);
/* A free-running 64-bit tick count and its rate (ticks per second). */
uint64_t board_ticks(void);
uint32_t board_tick_hz(void);
/* Lowest address the C stack may reach before a wasm call traps with stack exhaustion. */
uintptr_t board_stack_limit(void);

#endif
