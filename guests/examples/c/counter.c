/*
 * counter: the key-value store from C. Each request adds one to "hits" in the function's own
 * namespace and answers the new count (durable: it survives a restart of the host).
 *
 *   GET /c/counter   -> 200 text/plain "1\n", then "2\n", ...
 */
#include "fnhost.h"

int main(void) {
  long long hits = 0;
  int rc = fnh_kv_incr(NULL, "hits", 1, &hits);
  fnh_header_add("content-type", "text/plain; charset=utf-8");
  if (rc != 0) {
    fnh_status(FNH_SERVICE_UNAVAILABLE);
    fnh_printf("kv: %s\n", fnh_kv_strerror(rc));
    return 0;
  }
  fnh_printf("%lld\n", hits);
  return 0;
}
