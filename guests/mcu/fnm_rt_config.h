/*
 * fnm_rt_config.h - forced into every wasm2c translation unit (-include). Bounds checks are
 * explicit (there is no MMU to catch an out-of-bounds access), and the call-depth check of the
 * generated FUNC_PROLOGUE becomes a check of the real stack pointer against the board's limit, so
 * deep recursion traps with WASM_RT_TRAP_EXHAUSTION instead of overwriting RAM.
 */
#ifndef FNM_RT_CONFIG_H
#define FNM_RT_CONFIG_H

#include <stdint.h>

#define WASM_RT_MEMCHECK_SIGNAL_HANDLER 0
#define WASM_RT_USE_STACK_DEPTH_COUNT 1

extern uintptr_t fnm_stack_floor;

static inline uint32_t fnm_depth_limit(void) {
  char here;
  /* The generated prologue traps when ++depth > limit: 0 when the stack is at its floor. */
  return (uintptr_t)&here > fnm_stack_floor ? 0xffffffffu : 0u;
}

#define WASM_RT_MAX_CALL_STACK_DEPTH fnm_depth_limit()

#endif
