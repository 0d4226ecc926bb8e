/*
 * echo: the request as the handler sees it, with its query and headers.
 *
 *   POST /c/echo/extra?q=a%20b  with header "x-echo: yes" and body "ping"
 *   -> 200 text/plain, header "x-echoed-by: fnhost-c", body:
 *        method: POST
 *        path: /c/echo/extra
 *        path_info: /extra
 *        q: a b
 *        x-echo: yes
 *        body: ping
 *
 * A missing query parameter or header prints "-".
 */
#include "fnhost.h"

int main(void) {
  char q[256];
  const char *echo = fnh_header("x-echo");
  size_t len = 0;
  const char *body = fnh_body(&len);
  fnh_header_add("content-type", "text/plain; charset=utf-8");
  fnh_header_add("x-echoed-by", "fnhost-c");
  fnh_printf("method: %s\n", fnh_method());
  fnh_printf("path: %s\n", fnh_path());
  fnh_printf("path_info: %s\n", fnh_path_info());
  fnh_printf("q: %s\n", fnh_query("q", q, sizeof q) >= 0 ? q : "-");
  fnh_printf("x-echo: %s\n", echo ? echo : "-");
  fnh_puts("body: ");
  if (body) fnh_write(body, len);
  fnh_puts("\n");
  return 0;
}
