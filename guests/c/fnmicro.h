/*
 * fnmicro.h - the fnmicro ABI for freestanding wasm32 handlers: no WASI, no libc, no malloc, one
 * 64 KiB page of memory. The same .wasm runs in fnhost and, through wasm2c, on microcontrollers.
 *
 * A handler implements one function and includes this header once:
 *
 *   #include "fnmicro.h"
 *   int fnm_main(const fnm_request *req, fnm_response *res) {
 *     fnm_header_add(res, "content-type", "text/plain");
 *     fnm_puts(res, "hello\n");
 *     return 0;
 *   }
 *
 * Build with `fnhost build` or:
 *   clang-19 --target=wasm32 -mcpu=mvp -mbulk-memory -msign-ext -O2 -s -ffreestanding -nostdlib
 *     -I guests/c -Wl,--no-entry -Wl,-z,stack-size=4096
 *     -Wl,--initial-memory=65536 -Wl,--max-memory=65536 handler.c -o handler.wasm
 *
 * The header defines the ABI exports (fnm_abi_version, fnm_req_buf, fnm_req_cap, fnm_resp_buf,
 * fnm_resp_cap, fnm_handle) and the request/response buffers. A handler split over several C
 * files defines FNM_NO_ABI before including this header in all files but one.
 *
 * Buffer sizes: define FNM_REQ_CAP / FNM_RESP_CAP before the include to change them (defaults
 * 16 KiB and 32 KiB); together with the stack they must fit the single page. A request larger
 * than FNM_REQ_CAP is refused by the host with 413 before the handler runs.
 *
 * Ownership, for every pointer in this header:
 *   - fnm_str values in an fnm_request point into the request buffer, which the host owns and
 *     rewrites before the next call: they are valid during fnm_main only, and not NUL-terminated.
 *   - fnm_response and its buffer are owned by the ABI glue below; fnm_main writes through the
 *     helpers only, and the contents are valid until fnm_main returns.
 *   - Pointers passed to helpers (names, values, data, `out`) stay owned by the caller; helpers read
 *     them (or write up to `cap` bytes into `out`) during the call and keep no pointer.
 *
 * Return 0 from fnm_main to send the response; a negative value fails the request (500). A
 * response that overflowed its buffer also fails (fnm_handle returns FNM_ERR_OVERFLOW).
 *
 * Every symbol is prefixed `fnm_` / `FNM_`.
 */
#ifndef FNMICRO_H
#define FNMICRO_H

#ifndef FNM_REQ_CAP
#define FNM_REQ_CAP 16384
#endif
#ifndef FNM_RESP_CAP
#define FNM_RESP_CAP 32768
#endif

#define FNM_ABI_VERSION 1
#define FNM_ERR_BAD_REQUEST (-1)
#define FNM_ERR_OVERFLOW (-2)

typedef unsigned int fnm_u32;

/* A byte range; `ptr` is NULL when a lookup found nothing. Not NUL-terminated. */
typedef struct {
  const char *ptr;
  fnm_u32 len;
} fnm_str;

typedef struct {
  fnm_str method;  /* "GET", ... */
  fnm_str path;    /* "/hello/x", without the query */
  fnm_str query;   /* raw, without '?' */
  fnm_str headers; /* "name: value\n" lines, names lower-case */
  fnm_str body;
} fnm_request;

typedef struct {
  char *buf;
  fnm_u32 cap;
  fnm_u32 len;
  int body_started;
  int overflow;
} fnm_response;

/* Implemented by the handler. */
int fnm_main(const fnm_request *req, fnm_response *res);

/* The host's log (one entry per call); `ptr` is caller-owned. */
__attribute__((import_module("fnmicro"), import_name("log"))) void fnm_log_bytes(const char *ptr,
                                                                                fnm_u32 len);

static inline fnm_u32 fnm_strlen(const char *s) {
  fnm_u32 n = 0;
  while (s[n] != '\0') n++;
  return n;
}

static inline void fnm_log(const char *s) { fnm_log_bytes(s, fnm_strlen(s)); }

static inline fnm_str fnm_cstr(const char *s) {
  fnm_str r = {s, fnm_strlen(s)};
  return r;
}

static inline char fnm_lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c; }

/* 1 when `s` equals the NUL-terminated `lit` exactly. */
static inline int fnm_str_eq(fnm_str s, const char *lit) {
  fnm_u32 i = 0;
  for (; i < s.len; i++)
    if (lit[i] == '\0' || lit[i] != s.ptr[i]) return 0;
  return lit[i] == '\0';
}

/* The value of request header `name` (any case), trimmed; ptr NULL when absent. */
static inline fnm_str fnm_header(const fnm_request *req, const char *name) {
  fnm_str none = {0, 0};
  fnm_u32 n = fnm_strlen(name), at = 0;
  const char *h = req->headers.ptr;
  while (at < req->headers.len) {
    fnm_u32 end = at;
    while (end < req->headers.len && h[end] != '\n') end++;
    fnm_u32 i = 0;
    while (i < n && at + i < end && fnm_lower(h[at + i]) == fnm_lower(name[i])) i++;
    if (i == n && at + n < end && h[at + n] == ':') {
      fnm_u32 v = at + n + 1;
      while (v < end && h[v] == ' ') v++;
      fnm_str r = {h + v, end - v};
      return r;
    }
    at = end + 1;
  }
  return none;
}

static inline int fnm_hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = fnm_lower(c);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes s[*i] ('+' -> space, %XX -> byte) and advances *i. */
static inline char fnm_decode_at(fnm_str s, fnm_u32 *i) {
  char c = s.ptr[*i];
  if (c == '+') {
    *i += 1;
    return ' ';
  }
  if (c == '%' && *i + 2 < s.len && fnm_hex(s.ptr[*i + 1]) >= 0 && fnm_hex(s.ptr[*i + 2]) >= 0) {
    char v = (char)(fnm_hex(s.ptr[*i + 1]) * 16 + fnm_hex(s.ptr[*i + 2]));
    *i += 3;
    return v;
  }
  *i += 1;
  return c;
}

/*
 * The URL-decoded value of query parameter `name` copied into `out` (`cap` bytes, NUL-terminated when
 * cap > 0). Returns the decoded length (>= cap when truncated) or -1 when absent.
 */
static inline int fnm_query(const fnm_request *req, const char *name, char *out, fnm_u32 cap) {
  fnm_str q = req->query;
  fnm_u32 start = 0;
  while (start <= q.len && q.len > 0) {
    fnm_u32 end = start, eq, i, k = 0;
    while (end < q.len && q.ptr[end] != '&') end++;
    for (eq = start; eq < end && q.ptr[eq] != '='; eq++) {
    }
    fnm_str key = {q.ptr + start, eq - start};
    int match = eq > start;
    for (i = 0; match && i < key.len; k++) match = name[k] != '\0' && fnm_decode_at(key, &i) == name[k];
    if (match && name[k] == '\0') {
      fnm_str val = {q.ptr + (eq < end ? eq + 1 : end), eq < end ? end - eq - 1 : 0};
      fnm_u32 n = 0;
      for (i = 0; i < val.len; n++) {
        char c = fnm_decode_at(val, &i);
        if (n + 1 < cap) out[n] = c;
      }
      if (cap > 0) out[n < cap ? n : cap - 1] = '\0';
      return (int)n;
    }
    start = end + 1;
  }
  return -1;
}

/* ---- Response: header lines first, then the body; writes past the buffer set `overflow`. ---- */

static inline void fnm_append(fnm_response *res, const char *data, fnm_u32 len) {
  if (res->len + len > res->cap) {
    res->overflow = 1;
    return;
  }
  for (fnm_u32 i = 0; i < len; i++) res->buf[res->len + i] = data[i];
  res->len += len;
}

static inline void fnm_write_u32(fnm_response *res, fnm_u32 v) {
  char digits[10];
  int n = 0;
  do digits[n++] = (char)('0' + v % 10);
  while ((v /= 10) != 0);
  while (n > 0) fnm_append(res, &digits[--n], 1);
}

/* Adds `name: value` to the headers; ignored once the body has started. */
static inline void fnm_header_add(fnm_response *res, const char *name, const char *value) {
  if (res->body_started) return;
  fnm_append(res, name, fnm_strlen(name));
  fnm_append(res, ": ", 2);
  fnm_append(res, value, fnm_strlen(value));
  fnm_append(res, "\n", 1);
}

/* Sets the status (200 when never called); ignored once the body has started. */
static inline void fnm_status(fnm_response *res, fnm_u32 code) {
  if (res->body_started) return;
  fnm_append(res, "status: ", 8);
  fnm_write_u32(res, code);
  fnm_append(res, "\n", 1);
}

static inline void fnm_write(fnm_response *res, const void *data, fnm_u32 len) {
  if (!res->body_started) {
    res->body_started = 1;
    fnm_append(res, "\n", 1);
  }
  fnm_append(res, (const char *)data, len);
}

static inline void fnm_puts(fnm_response *res, const char *s) { fnm_write(res, s, fnm_strlen(s)); }

static inline void fnm_write_str(fnm_response *res, fnm_str s) { fnm_write(res, s.ptr, s.len); }

/* Writes `s` as a JSON string literal, quotes included. */
static inline void fnm_write_json_string(fnm_response *res, fnm_str s) {
  static const char hex[] = "0123456789abcdef";
  fnm_write(res, "\"", 1);
  for (fnm_u32 i = 0; i < s.len; i++) {
    unsigned char c = (unsigned char)s.ptr[i];
    if (c == '"' || c == '\\') {
      char e[2] = {'\\', (char)c};
      fnm_write(res, e, 2);
    } else if (c < 0x20) {
      char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      fnm_write(res, e, 6);
    } else {
      fnm_write(res, (const char *)&c, 1);
    }
  }
  fnm_write(res, "\"", 1);
}

#ifndef FNM_NO_ABI
static char fnm_req_buffer[FNM_REQ_CAP];
static char fnm_resp_buffer[FNM_RESP_CAP];

__attribute__((export_name("fnm_abi_version"))) int fnm_abi_version(void) { return FNM_ABI_VERSION; }
__attribute__((export_name("fnm_req_buf"))) int fnm_req_buf(void) { return (int)fnm_req_buffer; }
__attribute__((export_name("fnm_req_cap"))) int fnm_req_cap(void) { return FNM_REQ_CAP; }
__attribute__((export_name("fnm_resp_buf"))) int fnm_resp_buf(void) { return (int)fnm_resp_buffer; }
__attribute__((export_name("fnm_resp_cap"))) int fnm_resp_cap(void) { return FNM_RESP_CAP; }

/* Splits the request buffer into its parts, runs fnm_main, and returns the response length. */
__attribute__((export_name("fnm_handle"))) int fnm_handle(int method_len, int path_len,
                                                          int headers_len, int body_len) {
  if (method_len < 0 || path_len < 0 || headers_len < 0 || body_len < 0 ||
      (fnm_u32)method_len + (fnm_u32)path_len + (fnm_u32)headers_len + (fnm_u32)body_len > FNM_REQ_CAP)
    return FNM_ERR_BAD_REQUEST;
  const char *at = fnm_req_buffer;
  fnm_request req;
  req.method.ptr = at;
  req.method.len = (fnm_u32)method_len;
  at += method_len;
  fnm_u32 q = 0;
  while (q < (fnm_u32)path_len && at[q] != '?') q++;
  req.path.ptr = at;
  req.path.len = q;
  req.query.ptr = at + (q < (fnm_u32)path_len ? q + 1 : q);
  req.query.len = q < (fnm_u32)path_len ? (fnm_u32)path_len - q - 1 : 0;
  at += path_len;
  req.headers.ptr = at;
  req.headers.len = (fnm_u32)headers_len;
  at += headers_len;
  req.body.ptr = at;
  req.body.len = (fnm_u32)body_len;
  fnm_response res = {fnm_resp_buffer, FNM_RESP_CAP, 0, 0, 0};
  int r = fnm_main(&req, &res);
  if (r < 0) return r;
  if (!res.body_started) fnm_write(&res, "", 0);
  return res.overflow ? FNM_ERR_OVERFLOW : (int)res.len;
}
#endif

#endif
