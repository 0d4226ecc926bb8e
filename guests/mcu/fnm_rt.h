/* fnm_rt.h - the device runtime's view of the wasm2c glue in fnm_rt.c. */
#ifndef FNM_RT_H
#define FNM_RT_H

#include <setjmp.h>
#include <stdint.h>

#define FNM_PAGE_SIZE 65536u
/* A trap raised by the runtime itself (a module outside what it supports), not by the guest. */
#define FNM_TRAP_HOST 100
/* fnmicro.log given a range outside the memory. */
#define FNM_TRAP_LOG_RANGE 101

/* Where wasm_rt_trap jumps: set before every call into the module. */
void fnm_rt_set_trap_target(jmp_buf *target);

#endif
