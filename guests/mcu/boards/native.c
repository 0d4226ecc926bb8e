/* native.c - the device runtime as a host process: the serial line is stdin/stdout. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "../board.h"

static unsigned char out[4096];
static size_t out_len;
static uintptr_t stack_limit;

/* 256 KiB of stack for wasm calls; the default 8 MiB thread stack has room for it. */
#define NATIVE_WASM_STACK (256u * 1024u)

void board_init(void) {
  char here;
  stack_limit = (uintptr_t)&here - NATIVE_WASM_STACK;
}

uintptr_t board_stack_limit(void) { return stack_limit; }

void board_flush(void) {
  size_t at = 0;
  while (at < out_len) {
    ssize_t n = write(1, out + at, out_len - at);
    if (n <= 0) exit(1);
    at += (size_t)n;
  }
  out_len = 0;
}

uint8_t board_getc(void) {
  unsigned char c;
  board_flush();
  for (;;) {
    ssize_t n = read(0, &c, 1);
    if (n == 1) return c;
    if (n == 0) exit(0);
  }
}

void board_write(const void *data, uint32_t len) {
  const unsigned char *p = data;
  while (len-- > 0) {
    if (out_len == sizeof out) board_flush();
    out[out_len++] = *p++;
  }
}

uint64_t board_ticks(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint32_t board_tick_hz(void) { return 1000000000u; }
