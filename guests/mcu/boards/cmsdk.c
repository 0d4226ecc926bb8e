/*
 * cmsdk.c - board support for Arm's MPS2 FPGA images as QEMU emulates them (and real boards with a
 * CMSDK APB UART): vector table, reset (copy .data, zero .bss), UART0 polled, SysTick as the tick
 * counter. The board header (FNM_UART_BASE, FNM_SYSCLK_HZ) comes from the compiler's -D flags.
 */
#include <stdint.h>
#include <string.h>

#include "../board.h"

#ifndef FNM_UART_BASE
#error "define FNM_UART_BASE (the CMSDK UART0 address of the board)"
#endif
#ifndef FNM_SYSCLK_HZ
#error "define FNM_SYSCLK_HZ (the core clock)"
#endif

typedef struct {
  volatile uint32_t data, state, ctrl, intstatus, bauddiv;
} cmsdk_uart;

#define UART ((cmsdk_uart *)FNM_UART_BASE)
#define STATE_TX_FULL 1u
#define STATE_RX_FULL 2u
#define CTRL_TX_EN 1u
#define CTRL_RX_EN 2u

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define SYST_RELOAD 0x00FFFFFFu

extern uint32_t __data_load, __data_start, __data_end, __bss_start, __bss_end, __stack_top,
    __stack_limit;
int main(void);

static volatile uint32_t systick_wraps;

void SysTick_Handler(void) { systick_wraps++; }

/* A fault stops the core: with no OS to report to, the host's deadline sees a hung device. */
void Fault_Handler(void) {
  for (;;) {
  }
}

void Reset_Handler(void) {
  memcpy(&__data_start, &__data_load,
         (size_t)((uintptr_t)&__data_end - (uintptr_t)&__data_start));
  memset(&__bss_start, 0, (size_t)((uintptr_t)&__bss_end - (uintptr_t)&__bss_start));
  main();
  for (;;) {
  }
}

__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))&__stack_top, Reset_Handler, Fault_Handler, Fault_Handler, Fault_Handler,
    Fault_Handler, Fault_Handler, Fault_Handler, 0, 0, 0, Fault_Handler, Fault_Handler, 0,
    Fault_Handler, SysTick_Handler};

void board_init(void) {
  UART->bauddiv = FNM_SYSCLK_HZ / 115200u;
  UART->ctrl = CTRL_TX_EN | CTRL_RX_EN;
  SYST_RVR = SYST_RELOAD;
  SYST_CVR = 0;
  /* Processor clock, interrupt on wrap, enabled. */
  SYST_CSR = 7u;
}

uintptr_t board_stack_limit(void) { return (uintptr_t)&__stack_limit + 256u; }

uint8_t board_getc(void) {
  while (!(UART->state & STATE_RX_FULL)) {
  }
  return (uint8_t)UART->data;
}

void board_write(const void *data, uint32_t len) {
  const uint8_t *p = data;
  while (len-- > 0) {
    while (UART->state & STATE_TX_FULL) {
    }
    UART->data = *p++;
  }
}

void board_flush(void) {}

uint64_t board_ticks(void) {
  uint32_t wraps, value;
  do {
    wraps = systick_wraps;
    value = SYST_CVR;
  } while (wraps != systick_wraps);
  /* SysTick counts down. Its wrap interrupt preempts this loop at once, so a wrap between the two
   * reads changes systick_wraps and the loop reads again. */
  return (uint64_t)wraps * (SYST_RELOAD + 1u) + (SYST_RELOAD - value);
}

uint32_t board_tick_hz(void) { return FNM_SYSCLK_HZ; }
