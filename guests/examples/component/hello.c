/*
 * A wasi:http component in C without libc: `fnhost build --component` builds it with jco.
 *
 *   GET  /component/hello?name=Ada   -> 200 text/plain "Hello, Ada! (component)"
 *   POST /component/hello -d abc     -> 200 "Hello, world! (component) body=3 bytes"
 *
 * Each request also writes one line to stdout, which lands in the function's log.
 */
#include "fnhost_http.h"

static fnh_str query_param(fnh_str path, const char *key) {
  size_t klen = fnh_strlen(key);
  size_t i = 0;
  while (i < path.len && path.ptr[i] != '?') i++;
  while (i < path.len) {
    i++; /* past '?' or '&' */
    size_t start = i;
    while (i < path.len && path.ptr[i] != '&') i++;
    if (i - start > klen && path.ptr[start + klen] == '=' &&
        fnh_mem_eq(path.ptr + start, key, klen)) {
      fnh_str v = {path.ptr + start + klen + 1, i - start - klen - 1};
      return v;
    }
  }
  fnh_str none = {0, 0};
  return none;
}

static void write_number(fnh_response *res, size_t n) {
  char digits[20];
  int at = 20;
  do {
    digits[--at] = (char)('0' + n % 10);
    n /= 10;
  } while (n && at > 0);
  fnh_write(res, digits + at, (size_t)(20 - at));
}

void fnh_http_handle(const fnh_request *req, fnh_response *res) {
  fnh_print("hello component called\n");
  fnh_str name = query_param(req->path_with_query, "name");
  fnh_add_header(res, "content-type", "text/plain; charset=utf-8");
  fnh_write_str(res, "Hello, ");
  if (name.ptr && name.len)
    fnh_write(res, name.ptr, name.len);
  else
    fnh_write_str(res, "world");
  fnh_write_str(res, "! (component)");
  if (req->body_len) {
    fnh_write_str(res, " body=");
    write_number(res, req->body_len);
    fnh_write_str(res, " bytes");
  }
}
