/*
 * hello: the smallest WAGI handler.
 *
 *   GET /c/hello            -> 200 text/plain "Hello from C!\n"
 *   GET /c/hello?name=Ada   -> 200 text/plain "Hello, Ada!\n"
 */
#include "fnhost.h"

int main(void) {
  char name[64];
  fnh_header_add("content-type", "text/plain; charset=utf-8");
  if (fnh_query("name", name, sizeof name) > 0)
    fnh_printf("Hello, %s!\n", name);
  else
    fnh_puts("Hello from C!\n");
  return 0;
}
