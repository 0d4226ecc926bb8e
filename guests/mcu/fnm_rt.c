/*
 * fnm_rt.c - the wasm2c runtime for one fnmicro module: one fixed 64 KiB linear memory in .bss,
 * a small fixed function table, traps as a longjmp back to the request loop. Replaces wabt's
 * wasm-rt-impl.c, which allocates with malloc/mmap and recovers traps with signals.
 */
#include "fnm_rt_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "fnm_rt.h"
#include "wasm-rt.h"

#ifndef FNM_TABLE_ELEMS
#define FNM_TABLE_ELEMS 64
#endif
#define FNM_MAX_FUNC_TYPES 64
#define FNM_MAX_TYPE_VALUES 16

/* The single linear memory: the profile allows exactly one page and no growth. */
static uint8_t fnm_memory[FNM_PAGE_SIZE] __attribute__((aligned(8)));
static wasm_rt_funcref_t fnm_table[FNM_TABLE_ELEMS];

uint32_t wasm_rt_call_stack_depth;
uintptr_t fnm_stack_floor;
static bool fnm_initialized;
static jmp_buf *fnm_trap_target;
static uint32_t fnm_type_count;
static struct {
  uint32_t params, results;
  uint8_t types[FNM_MAX_TYPE_VALUES];
} fnm_types[FNM_MAX_FUNC_TYPES];

void wasm_rt_init(void) { fnm_initialized = true; }
bool wasm_rt_is_initialized(void) { return fnm_initialized; }
void wasm_rt_free(void) { fnm_initialized = false; }

void fnm_rt_set_trap_target(jmp_buf *target) { fnm_trap_target = target; }

void wasm_rt_trap(wasm_rt_trap_t code) {
  wasm_rt_call_stack_depth = 0;
  longjmp(*fnm_trap_target, (int)code == 0 ? FNM_TRAP_HOST : (int)code);
}

/* Equal signatures must get equal ids: call_indirect compares them. */
uint32_t wasm_rt_register_func_type(uint32_t params, uint32_t results, ...) {
  uint8_t types[FNM_MAX_TYPE_VALUES];
  uint32_t n = params + results;
  if (n > FNM_MAX_TYPE_VALUES) wasm_rt_trap(WASM_RT_TRAP_NONE);
  va_list ap;
  va_start(ap, results);
  for (uint32_t i = 0; i < n; i++) types[i] = (uint8_t)va_arg(ap, int);
  va_end(ap);
  for (uint32_t t = 0; t < fnm_type_count; t++)
    if (fnm_types[t].params == params && fnm_types[t].results == results &&
        memcmp(fnm_types[t].types, types, n) == 0)
      return t;
  if (fnm_type_count == FNM_MAX_FUNC_TYPES) wasm_rt_trap(WASM_RT_TRAP_NONE);
  fnm_types[fnm_type_count].params = params;
  fnm_types[fnm_type_count].results = results;
  memcpy(fnm_types[fnm_type_count].types, types, n);
  return fnm_type_count++;
}

/*
 * Zeroes the page eight bytes a store: picolibc's size-optimised memset goes a byte at a time,
 * four times the instructions for the largest cost of a fresh instance. The attribute keeps gcc
 * from turning the loop back into that memset call.
 */
__attribute__((optimize("no-tree-loop-distribute-patterns"))) static void fnm_zero_page(void) {
  uint64_t *p = (uint64_t *)(void *)fnm_memory;
  for (uint32_t i = 0; i < FNM_PAGE_SIZE / 8; i += 4) {
    p[i] = 0;
    p[i + 1] = 0;
    p[i + 2] = 0;
    p[i + 3] = 0;
  }
}

/* Instantiation zeroes the page, as the host's pooled memories are zeroed before reuse. */
void wasm_rt_allocate_memory(wasm_rt_memory_t *memory, uint32_t initial_pages, uint32_t max_pages) {
  if (initial_pages > 1) wasm_rt_trap(WASM_RT_TRAP_NONE);
  fnm_zero_page();
  memory->data = fnm_memory;
  memory->pages = initial_pages;
  memory->max_pages = max_pages > 1 ? 1 : max_pages;
  memory->size = initial_pages * FNM_PAGE_SIZE;
}

uint32_t wasm_rt_grow_memory(wasm_rt_memory_t *memory, uint32_t pages) {
  (void)memory;
  (void)pages;
  return 0xffffffffu;
}

void wasm_rt_free_memory(wasm_rt_memory_t *memory) { memory->size = 0; }

void wasm_rt_allocate_funcref_table(wasm_rt_funcref_table_t *table, uint32_t elements,
                                    uint32_t max_elements) {
  if (elements > FNM_TABLE_ELEMS) wasm_rt_trap(WASM_RT_TRAP_NONE);
  memset(fnm_table, 0, sizeof fnm_table);
  table->data = fnm_table;
  table->size = elements;
  table->max_size = max_elements < FNM_TABLE_ELEMS ? max_elements : FNM_TABLE_ELEMS;
}

void wasm_rt_free_funcref_table(wasm_rt_funcref_table_t *table) { table->size = 0; }

uint32_t wasm_rt_grow_funcref_table(wasm_rt_funcref_table_t *table, uint32_t delta,
                                    wasm_rt_funcref_t init) {
  (void)table;
  (void)delta;
  (void)init;
  return 0xffffffffu;
}

/* fnmicro modules have no externref tables; one that asks for one fails at instantiation. */
void wasm_rt_allocate_externref_table(wasm_rt_externref_table_t *table, uint32_t elements,
                                      uint32_t max_elements) {
  (void)table;
  (void)elements;
  (void)max_elements;
  wasm_rt_trap(WASM_RT_TRAP_NONE);
}

void wasm_rt_free_externref_table(wasm_rt_externref_table_t *table) { (void)table; }

uint32_t wasm_rt_grow_externref_table(wasm_rt_externref_table_t *table, uint32_t delta,
                                      wasm_rt_externref_t init) {
  (void)table;
  (void)delta;
  (void)init;
  return 0xffffffffu;
}
