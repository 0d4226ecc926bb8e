/*
 * fnhost_http.h - wasi:http/proxy components from C, without libc.
 *
 * A handler defines one function, `void fnh_http_handle(const fnh_request *req, fnh_response *res)`,
 * and includes this header in exactly one source file: the header holds the canonical-ABI glue
 * (the `wasi:http/incoming-handler#handle` export, `cabi_realloc`, and the wasi:http, wasi:io and
 * wasi:cli imports it calls). Build with `fnhost build --component handler.c`, or by hand:
 *
 *   clang-19 --target=wasm32-unknown-unknown -O2 -mbulk-memory -nostdlib -Wl,--no-entry \
 *     -I guests/c handler.c -o core.wasm
 *   npx jco embed core.wasm --wit guests/c/wit -n http-handler -o embedded.wasm
 *   npx jco new embedded.wasm -o handler.wasm
 *
 * The result runs under fnhost and under any wasi:http host (`wasmtime serve`, Spin).
 *
 * Memory: everything this header hands out (the request, fnh_alloc blocks) lives in a bump arena
 * owned by the glue. It stays valid until fnh_http_handle returns; then the whole arena is reused
 * by the next request (an instance may serve several with `isolation: "shared"`). Never free it.
 * Strings are not NUL-terminated: use the lengths. Pointers passed in stay owned by the caller;
 * the glue copies what it keeps. When memory runs out, the component traps (a memory-limit error).
 *
 * Every symbol is prefixed `fnh_` / `FNH_`.
 */
#ifndef FNHOST_HTTP_H
#define FNHOST_HTTP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  const char *ptr;
  size_t len;
} fnh_str;

typedef struct {
  fnh_str name; /* lower case, as the host delivers them */
  fnh_str value;
} fnh_header;

typedef struct {
  fnh_str method;          /* "GET", "POST", ... */
  fnh_str path_with_query; /* "/hello?name=Ada" */
  const fnh_header *headers;
  size_t header_count;
  const uint8_t *body;
  size_t body_len;
} fnh_request;

typedef struct fnh_response fnh_response;

/* Defined by the handler. */
void fnh_http_handle(const fnh_request *req, fnh_response *res);

/* Response: status (default 200), headers in order, body bytes appended. */
void fnh_set_status(fnh_response *res, int status);
void fnh_add_header(fnh_response *res, const char *name, const char *value);
void fnh_write(fnh_response *res, const void *data, size_t len);
void fnh_write_str(fnh_response *res, const char *text);

/* The first value of a request header (name in lower case), or a string with ptr NULL. */
fnh_str fnh_header_get(const fnh_request *req, const char *name);

/* stdout and stderr of the component: the function's log under fnhost. */
void fnh_print(const char *text);
void fnh_eprint(const char *text);

/* A block from the arena (8-byte aligned), or a trap when memory runs out. */
void *fnh_alloc(size_t size);

size_t fnh_strlen(const char *s);
/* 1 when the n bytes at a and b are equal (no libc: memcmp is not linked). */
int fnh_mem_eq(const void *a, const void *b, size_t n);
int fnh_str_eq(fnh_str a, const char *b);

/* ---- the glue: canonical ABI of wasi:http@0.2.12 ---------------------------------------- */

#define FNH_IMPORT(module, name) __attribute__((import_module(module), import_name(name)))
#define FNH_TYPES "wasi:http/types@0.2.12"
#define FNH_STREAMS "wasi:io/streams@0.2.12"

FNH_IMPORT(FNH_TYPES, "[method]incoming-request.method")
void fnh__req_method(int32_t req, void *ret);
FNH_IMPORT(FNH_TYPES, "[method]incoming-request.path-with-query")
void fnh__req_path(int32_t req, void *ret);
FNH_IMPORT(FNH_TYPES, "[method]incoming-request.headers")
int32_t fnh__req_headers(int32_t req);
FNH_IMPORT(FNH_TYPES, "[method]incoming-request.consume")
void fnh__req_consume(int32_t req, void *ret);
FNH_IMPORT(FNH_TYPES, "[method]incoming-body.stream")
void fnh__body_stream(int32_t body, void *ret);
FNH_IMPORT(FNH_TYPES, "[method]fields.entries")
void fnh__fields_entries(int32_t fields, void *ret);
FNH_IMPORT(FNH_TYPES, "[constructor]fields")
int32_t fnh__fields_new(void);
FNH_IMPORT(FNH_TYPES, "[method]fields.append")
void fnh__fields_append(int32_t fields, const char *name, size_t name_len, const uint8_t *value,
                        size_t value_len, void *ret);
FNH_IMPORT(FNH_TYPES, "[constructor]outgoing-response")
int32_t fnh__resp_new(int32_t headers);
FNH_IMPORT(FNH_TYPES, "[method]outgoing-response.set-status-code")
int32_t fnh__resp_status(int32_t resp, int32_t status);
FNH_IMPORT(FNH_TYPES, "[method]outgoing-response.body")
void fnh__resp_body(int32_t resp, void *ret);
FNH_IMPORT(FNH_TYPES, "[method]outgoing-body.write")
void fnh__body_write(int32_t body, void *ret);
FNH_IMPORT(FNH_TYPES, "[static]outgoing-body.finish")
void fnh__body_finish(int32_t body, int32_t has_trailers, int32_t trailers, void *ret);
/* result<outgoing-response, error-code> flattens to eight values; only the ok case is sent. */
FNH_IMPORT(FNH_TYPES, "[static]response-outparam.set")
void fnh__outparam_set(int32_t param, int32_t is_err, int32_t resp, int32_t a, int64_t b,
                       int32_t c, int32_t d, int32_t e, int32_t f);
FNH_IMPORT(FNH_TYPES, "[resource-drop]incoming-request")
void fnh__drop_request(int32_t h);
FNH_IMPORT(FNH_TYPES, "[resource-drop]incoming-body")
void fnh__drop_incoming_body(int32_t h);
FNH_IMPORT(FNH_TYPES, "[resource-drop]fields")
void fnh__drop_fields(int32_t h);
FNH_IMPORT(FNH_STREAMS, "[method]input-stream.blocking-read")
void fnh__read(int32_t stream, int64_t len, void *ret);
FNH_IMPORT(FNH_STREAMS, "[method]output-stream.blocking-write-and-flush")
void fnh__write(int32_t stream, const void *data, size_t len, void *ret);
FNH_IMPORT(FNH_STREAMS, "[resource-drop]input-stream")
void fnh__drop_input(int32_t h);
FNH_IMPORT(FNH_STREAMS, "[resource-drop]output-stream")
void fnh__drop_output(int32_t h);
FNH_IMPORT("wasi:cli/stdout@0.2.12", "get-stdout")
int32_t fnh__get_stdout(void);
FNH_IMPORT("wasi:cli/stderr@0.2.12", "get-stderr")
int32_t fnh__get_stderr(void);

struct fnh_response {
  int status;
  int32_t fields;
  uint8_t *body;
  size_t body_len;
  size_t body_cap;
};

size_t fnh_strlen(const char *s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

int fnh_mem_eq(const void *a, const void *b, size_t n) {
  const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
  for (size_t i = 0; i < n; i++)
    if (x[i] != y[i]) return 0;
  return 1;
}

int fnh_str_eq(fnh_str a, const char *b) {
  size_t n = fnh_strlen(b);
  return a.len == n && fnh_mem_eq(a.ptr, b, n);
}

#ifdef __wasi__
/*
 * With wasi-libc (the wasm32-wasi target), malloc owns the heap: the arena is a list of malloc'd
 * blocks, freed when the next request starts. cabi_realloc serves the arena only while the glue
 * itself reads the request or sends the response; any other caller (the WASI preview1 adapter
 * allocating its state on the first printf) gets lasting memory from realloc.
 */
#include <stdlib.h>

typedef struct fnh__block {
  struct fnh__block *next;
  uint32_t pad; /* keeps the block's payload 8-byte aligned */
} fnh__block;

static fnh__block *fnh__blocks;
static int fnh__glue_phase;

void *fnh_alloc(size_t size) {
  if (size > SIZE_MAX - sizeof(fnh__block)) __builtin_trap();
  fnh__block *b = (fnh__block *)malloc(sizeof(fnh__block) + size);
  if (!b) __builtin_trap();
  b->next = fnh__blocks;
  fnh__blocks = b;
  return b + 1;
}

static void fnh__arena_reset(void) {
  while (fnh__blocks) {
    fnh__block *next = fnh__blocks->next;
    free(fnh__blocks);
    fnh__blocks = next;
  }
}

__attribute__((export_name("cabi_realloc"))) void *fnh__cabi_realloc(void *old, size_t old_size,
                                                                     size_t align, size_t size) {
  (void)align; /* malloc and the arena align to 8, the most any canonical type needs */
  if (!fnh__glue_phase) {
    void *p = realloc(old, size);
    if (!p && size) __builtin_trap();
    return p;
  }
  void *p = fnh_alloc(size);
  if (old && old_size) __builtin_memcpy(p, old, old_size < size ? old_size : size);
  return p;
}
#else
extern unsigned char __heap_base;
static uintptr_t fnh__arena_next;
static int fnh__glue_phase;

void *fnh_alloc(size_t size) {
  if (fnh__arena_next == 0) fnh__arena_next = (uintptr_t)&__heap_base;
  uintptr_t at = (fnh__arena_next + 7) & ~(uintptr_t)7;
  uintptr_t end = at + size;
  if (end < at) __builtin_trap();
  size_t have = __builtin_wasm_memory_size(0) * 65536;
  if (end > have) {
    size_t pages = (end - have + 65535) / 65536;
    if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1) __builtin_trap();
  }
  fnh__arena_next = end;
  return (void *)at;
}

__attribute__((export_name("cabi_realloc"))) void *fnh__cabi_realloc(void *old, size_t old_size,
                                                                     size_t align, size_t size) {
  (void)align; /* the arena aligns to 8, the most any canonical type needs */
  void *p = fnh_alloc(size);
  if (old && old_size) __builtin_memcpy(p, old, old_size < size ? old_size : size);
  return p;
}

static void fnh__arena_reset(void) { fnh__arena_next = (uintptr_t)&__heap_base; }
#endif

static void fnh__stream_write(int32_t stream, const void *data, size_t len) {
  uint8_t ret[12] __attribute__((aligned(4)));
  const uint8_t *p = (const uint8_t *)data;
  while (len > 0) {
    /* blocking-write-and-flush takes at most 4096 bytes a call */
    size_t n = len < 4096 ? len : 4096;
    fnh__write(stream, p, n, ret);
    if (ret[0] != 0) return;
    p += n;
    len -= n;
  }
}

void fnh_print(const char *text) {
  int32_t out = fnh__get_stdout();
  fnh__stream_write(out, text, fnh_strlen(text));
  fnh__drop_output(out);
}

void fnh_eprint(const char *text) {
  int32_t out = fnh__get_stderr();
  fnh__stream_write(out, text, fnh_strlen(text));
  fnh__drop_output(out);
}

void fnh_set_status(fnh_response *res, int status) { res->status = status; }

void fnh_add_header(fnh_response *res, const char *name, const char *value) {
  uint8_t ret[8] __attribute__((aligned(4)));
  fnh__fields_append(res->fields, name, fnh_strlen(name), (const uint8_t *)value,
                     fnh_strlen(value), ret);
}

void fnh_write(fnh_response *res, const void *data, size_t len) {
  if (res->body_len + len > res->body_cap) {
    size_t cap = res->body_cap ? res->body_cap * 2 : 1024;
    while (cap < res->body_len + len) cap *= 2;
    uint8_t *grown = (uint8_t *)fnh_alloc(cap);
    if (res->body_len) __builtin_memcpy(grown, res->body, res->body_len);
    res->body = grown;
    res->body_cap = cap;
  }
  __builtin_memcpy(res->body + res->body_len, data, len);
  res->body_len += len;
}

void fnh_write_str(fnh_response *res, const char *text) { fnh_write(res, text, fnh_strlen(text)); }

fnh_str fnh_header_get(const fnh_request *req, const char *name) {
  for (size_t i = 0; i < req->header_count; i++)
    if (fnh_str_eq(req->headers[i].name, name)) return req->headers[i].value;
  fnh_str none = {0, 0};
  return none;
}

static const char *const fnh__methods[] = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                           "CONNECT", "OPTIONS", "TRACE", "PATCH"};

static fnh_str fnh__cstr(const char *s) {
  fnh_str out = {s, fnh_strlen(s)};
  return out;
}

static void fnh__read_body(int32_t request, fnh_request *req) {
  int32_t ret[3];
  fnh__req_consume(request, ret);
  if ((ret[0] & 0xff) != 0) return;
  int32_t body = ret[1];
  fnh__body_stream(body, ret);
  if ((ret[0] & 0xff) == 0) {
    int32_t stream = ret[1];
    uint8_t *buf = 0;
    size_t len = 0;
    for (;;) {
      fnh__read(stream, 65536, ret);
      if ((ret[0] & 0xff) != 0) break; /* closed (or failed): the body is complete */
      const uint8_t *chunk = (const uint8_t *)(uintptr_t)ret[1];
      size_t n = (size_t)ret[2];
      uint8_t *grown = (uint8_t *)fnh_alloc(len + n);
      if (len) __builtin_memcpy(grown, buf, len);
      if (n) __builtin_memcpy(grown + len, chunk, n);
      buf = grown;
      len += n;
    }
    fnh__drop_input(stream);
    req->body = buf;
    req->body_len = len;
  }
  fnh__drop_incoming_body(body);
}

static void fnh__send(int32_t outparam, fnh_response *res) {
  int32_t ret[16];
  int32_t response = fnh__resp_new(res->fields);
  fnh__resp_status(response, res->status);
  fnh__resp_body(response, ret);
  int32_t body = ret[1];
  fnh__outparam_set(outparam, 0, response, 0, 0, 0, 0, 0, 0);
  fnh__body_write(body, ret);
  int32_t stream = ret[1];
  fnh__stream_write(stream, res->body, res->body_len);
  fnh__drop_output(stream);
  fnh__body_finish(body, 0, 0, ret);
}

__attribute__((export_name("wasi:http/incoming-handler@0.2.12#handle"))) void fnh__handle(
    int32_t request, int32_t outparam) {
  fnh__arena_reset();
  fnh__glue_phase = 1;
  fnh_request req = {0};
  int32_t ret[3];
  fnh__req_method(request, ret);
  uint8_t tag = (uint8_t)ret[0];
  if (tag < 9)
    req.method = fnh__cstr(fnh__methods[tag]);
  else {
    req.method.ptr = (const char *)(uintptr_t)ret[1];
    req.method.len = (size_t)ret[2];
  }
  fnh__req_path(request, ret);
  if ((ret[0] & 0xff) != 0) {
    req.path_with_query.ptr = (const char *)(uintptr_t)ret[1];
    req.path_with_query.len = (size_t)ret[2];
  } else
    req.path_with_query = fnh__cstr("/");
  int32_t headers = fnh__req_headers(request);
  fnh__fields_entries(headers, ret);
  req.headers = (const fnh_header *)(uintptr_t)ret[0];
  req.header_count = (size_t)ret[1];
  fnh__drop_fields(headers);
  fnh__read_body(request, &req);
  fnh__drop_request(request);

  fnh_response res = {200, fnh__fields_new(), 0, 0, 0};
  fnh__glue_phase = 0;
  fnh_http_handle(&req, &res);
  fnh__glue_phase = 1;
  fnh__send(outparam, &res);
  fnh__glue_phase = 0;
}

#endif
