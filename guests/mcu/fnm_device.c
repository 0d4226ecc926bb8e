/*
 * fnm_device.c - the fnmicro request loop on a device. It receives framed requests on the
 * board's serial line, lays each out in the module's request buffer exactly as the host's fnmicro
 * driver does, calls fnm_handle, and sends back the framed outcome: the response bytes, the
 * handler's failure code, or the trap that stopped it. The framing is in docs/mcu.md; every
 * integer is little-endian.
 *
 *   host -> device   "FNRQ" flags:u8 method_len:u32 path_len:u32 headers_len:u32 body_len:u32
 *                    then method, path?query, "name: value\n" headers, body (the lengths' sum)
 *   device -> host   "FNHI" abi:u32 req_cap:u32 resp_cap:u32 tick_hz:u32   (at boot)
 *                    "FNLG" len:u32 bytes                                  (fnmicro.log)
 *                    "FNRS" result:i32 ticks:u32 [result bytes when 0 <= result <= resp_cap]
 *                    (ticks: the board's clock spent on the fresh instance and in fnm_handle)
 *                    "FNTR" trap:u32 ticks:u32 a:u32 b:u32                 (the handler trapped)
 *                    "FNER" code:u32                                       (a frame it refused)
 *
 * flags bit 0: keep the instance from the previous request (isolation "shared"); otherwise
 * every request gets a fresh instance (zeroed page, data segments), as the host gives it.
 */
#include "fnm_rt_config.h"

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

#include "board.h"
#include "fnm_module.h"
#include "fnm_rt.h"

#define FLAG_SHARED 1u
#define ERR_TOO_LARGE 1u
#define ERR_BAD_LAYOUT 2u
#define ERR_INSTANTIATE 3u

static Z_fnm_instance_t instance;
static bool live;
static jmp_buf trap_target;
static uint32_t req_buf, req_cap, resp_buf, resp_cap;

static void put_u32(uint32_t v) {
  uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
  board_write(b, 4);
}

static uint32_t get_u32(void) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) v |= (uint32_t)board_getc() << (8 * i);
  return v;
}

/* The import fnmicro.log: range-checked like any other access to the page. */
#if FNM_IMPORTS_LOG
struct Z_fnmicro_instance_t {
  int unused;
};
static struct Z_fnmicro_instance_t fnmicro_env;

void Z_fnmicroZ_log(struct Z_fnmicro_instance_t *env, u32 ptr, u32 len) {
  (void)env;
  if ((uint64_t)ptr + len > instance.w2c_memory.size) {
    extern uint32_t fnm_log_range[2];
    fnm_log_range[0] = ptr;
    fnm_log_range[1] = len;
    longjmp(trap_target, FNM_TRAP_LOG_RANGE);
  }
  board_write("FNLG", 4);
  put_u32(len);
  board_write(instance.w2c_memory.data + ptr, len);
}
#define INSTANTIATE() Z_fnm_instantiate(&instance, &fnmicro_env)
#else
#define INSTANTIATE() Z_fnm_instantiate(&instance)
#endif

uint32_t fnm_log_range[2];

/* (Re)builds the instance; false if the module could not be instantiated. */
static bool instantiate(void) {
  if (live) Z_fnm_free(&instance);
  live = false;
  if (setjmp(trap_target) != 0) return false;
  fnm_rt_set_trap_target(&trap_target);
  INSTANTIATE();
  live = true;
  return true;
}

static void send_error(uint32_t code) {
  board_write("FNER", 4);
  put_u32(code);
  board_flush();
}

/* Waits for "FNRQ", skipping anything else, so a host can resynchronise after noise. */
static void await_request(void) {
  static const char tag[4] = {'F', 'N', 'R', 'Q'};
  int matched = 0;
  while (matched < 4) {
    uint8_t c = board_getc();
    if (c == (uint8_t)tag[matched]) matched++;
    else matched = c == (uint8_t)tag[0] ? 1 : 0;
  }
}

static void skip(uint32_t n) {
  while (n-- > 0) board_getc();
}

static void serve_one(void) {
  await_request();
  uint8_t flags = board_getc();
  uint32_t len[4];
  for (int i = 0; i < 4; i++) len[i] = get_u32();
  uint64_t total = (uint64_t)len[0] + len[1] + len[2] + len[3];
  if (total > req_cap) {
    skip((uint32_t)(total > 0xffffffffu ? 0xffffffffu : total));
    send_error(ERR_TOO_LARGE);
    return;
  }
  /* The cost reported is compute only: the fresh instance and the handler, not the serial line. */
  uint64_t reset_start = board_ticks();
  if (!(flags & FLAG_SHARED) || !live) {
    if (!instantiate()) {
      skip((uint32_t)total);
      send_error(ERR_INSTANTIATE);
      return;
    }
  }
  uint64_t reset_ticks = board_ticks() - reset_start;
  uint8_t *at = instance.w2c_memory.data + req_buf;
  for (uint32_t i = 0; i < (uint32_t)total; i++) at[i] = board_getc();

  uint64_t start = board_ticks() - reset_ticks;
  volatile int trap = setjmp(trap_target);
  if (trap == 0) {
    fnm_rt_set_trap_target(&trap_target);
    /* A trap out of fnmicro.log skips wasm_rt_trap, which would have reset the depth. */
    wasm_rt_call_stack_depth = 0;
    int32_t result = (int32_t)Z_fnmZ_fnm_handle(&instance, len[0], len[1], len[2], len[3]);
    uint32_t ticks = (uint32_t)(board_ticks() - start);
    board_write("FNRS", 4);
    put_u32((uint32_t)result);
    put_u32(ticks);
    if (result >= 0 && (uint32_t)result <= resp_cap)
      board_write(instance.w2c_memory.data + resp_buf, (uint32_t)result);
  } else {
    uint32_t ticks = (uint32_t)(board_ticks() - start);
    /* A trapped instance is never reused, shared or not. */
    live = false;
    board_write("FNTR", 4);
    put_u32((uint32_t)trap);
    put_u32(ticks);
    put_u32(trap == FNM_TRAP_LOG_RANGE ? fnm_log_range[0] : 0);
    put_u32(trap == FNM_TRAP_LOG_RANGE ? fnm_log_range[1] : 0);
  }
  board_flush();
}

/* Reads the layout once and checks it lies inside the page, as the host's probe does at load. */
static bool read_layout(void) {
  if (setjmp(trap_target) != 0) return false;
  fnm_rt_set_trap_target(&trap_target);
  if (Z_fnmZ_fnm_abi_version(&instance) != 1) return false;
  req_buf = Z_fnmZ_fnm_req_buf(&instance);
  req_cap = Z_fnmZ_fnm_req_cap(&instance);
  resp_buf = Z_fnmZ_fnm_resp_buf(&instance);
  resp_cap = Z_fnmZ_fnm_resp_cap(&instance);
  uint64_t size = instance.w2c_memory.size;
  return (uint64_t)req_buf + req_cap <= size && (uint64_t)resp_buf + resp_cap <= size;
}

int main(void) {
  board_init();
  fnm_stack_floor = board_stack_limit();
  wasm_rt_init();
  Z_fnm_init_module();
  bool ok = instantiate() && read_layout();
  board_write("FNHI", 4);
  put_u32(ok ? 1u : 0u);
  put_u32(ok ? req_cap : 0u);
  put_u32(ok ? resp_cap : 0u);
  put_u32(board_tick_hz());
  board_flush();
  if (!ok) {
    for (;;) {
      await_request();
      send_error(ERR_BAD_LAYOUT);
    }
  }
  for (;;) serve_one();
}
