/*
 * micro-hello: an fnmicro handler (freestanding, one 64 KiB page, no WASI); the same .wasm runs
 * on a microcontroller through wasm2c.
 *
 *   GET /c/micro-hello           -> 200 text/plain "Hello from fnmicro!\n"
 *   GET /c/micro-hello?name=Ada  -> 200 text/plain "Hello, Ada, from fnmicro!\n"
 */
#include "fnmicro.h"

int fnm_main(const fnm_request *req, fnm_response *res) {
  char name[64];
  int n = fnm_query(req, "name", name, sizeof name);
  fnm_header_add(res, "content-type", "text/plain");
  if (n > 0 && n < (int)sizeof name) {
    fnm_puts(res, "Hello, ");
    fnm_write(res, name, (fnm_u32)n);
    fnm_puts(res, ", from fnmicro!\n");
  } else {
    fnm_puts(res, "Hello from fnmicro!\n");
  }
  return 0;
}
