/*
 * fnhost.h - C SDK for fnhost WAGI/CGI handlers (wasm32-wasi commands).
 *
 * A handler is an ordinary `int main(void)`. The request arrives as CGI environment variables and
 * the body on stdin; the response is header lines, a blank line and the body on stdout. This SDK
 * wraps both sides. Build with `fnhost build` or:
 *
 *   clang-19 --target=wasm32-wasi -O2 -s -I guests/c handler.c guests/c/fnhost.c -o handler.wasm
 *
 * Ownership, for every pointer in this header:
 *   - `const char *` results are owned by the SDK (they point into the process environment or an
 *     SDK buffer). They stay valid until main returns. Never free or modify them.
 *   - Buffers passed in (`out`, `buf`, `data`, strings) stay owned by the caller; the SDK only
 *     reads them (or writes up to `cap` bytes into them) during the call, and keeps no pointer.
 *
 * Response order: set the status and headers first; the first body write ends the header block.
 * If main returns without writing a body, the SDK ends the header block at exit. A non-zero exit
 * code is a failed invocation (GUEST_ERROR): answer client errors with a status, not an exit code.
 *
 * Every symbol is prefixed `fnh_` / `FNH_`.
 */
#ifndef FNHOST_H
#define FNHOST_H

#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* HTTP status codes for fnh_status. */
enum {
  FNH_OK = 200,
  FNH_CREATED = 201,
  FNH_ACCEPTED = 202,
  FNH_NO_CONTENT = 204,
  FNH_MOVED_PERMANENTLY = 301,
  FNH_FOUND = 302,
  FNH_SEE_OTHER = 303,
  FNH_NOT_MODIFIED = 304,
  FNH_TEMPORARY_REDIRECT = 307,
  FNH_PERMANENT_REDIRECT = 308,
  FNH_BAD_REQUEST = 400,
  FNH_UNAUTHORIZED = 401,
  FNH_FORBIDDEN = 403,
  FNH_NOT_FOUND = 404,
  FNH_METHOD_NOT_ALLOWED = 405,
  FNH_CONFLICT = 409,
  FNH_GONE = 410,
  FNH_PAYLOAD_TOO_LARGE = 413,
  FNH_UNSUPPORTED_MEDIA_TYPE = 415,
  FNH_UNPROCESSABLE_CONTENT = 422,
  FNH_TOO_MANY_REQUESTS = 429,
  FNH_INTERNAL_SERVER_ERROR = 500,
  FNH_NOT_IMPLEMENTED = 501,
  FNH_SERVICE_UNAVAILABLE = 503
};

/* ---- Request ---------------------------------------------------------------------------- */

/* "GET", "POST", ...; never NULL. SDK-owned. */
const char *fnh_method(void);

/* The decoded request path ("/items/7/x"); never NULL. SDK-owned. */
const char *fnh_path(void);

/* The part of the path below the function's route ("" when the route matched exactly). SDK-owned. */
const char *fnh_path_info(void);

/* The raw query string without '?' ("" when there is none); never NULL. SDK-owned. */
const char *fnh_query_string(void);

/*
 * The URL-decoded value of query parameter `name` (first occurrence), copied into `out` (caller-owned,
 * `cap` bytes, always NUL-terminated when cap > 0). Returns the decoded length, which is >= cap
 * when the value was truncated, or -1 when the parameter is absent.
 */
long fnh_query(const char *name, char *out, size_t cap);

/*
 * The value of route parameter `name` (":id" in the function's route), copied like fnh_query.
 * Returns its length, or -1 when the route has no such parameter.
 */
long fnh_param(const char *name, char *out, size_t cap);

/* Request header `name` (any case, '-' or '_'), or NULL when absent. SDK-owned. */
const char *fnh_header(const char *name);

/* The function's own environment variable `name` (from its config `env`), or NULL. SDK-owned. */
const char *fnh_env(const char *name);

/* CONTENT_LENGTH: the body's size in bytes (0 when there is no body). */
size_t fnh_content_length(void);

/* Reads up to `cap` more body bytes into `buf` (caller-owned); returns how many, 0 at the end. */
size_t fnh_body_read(void *buf, size_t cap);

/*
 * The rest of the body (all of it if nothing was read yet), NUL-terminated so text bodies can be
 * used as strings; `*len` receives the byte count when len is not NULL. SDK-owned: valid until
 * main returns, the same buffer on every call. NULL only when out of memory.
 */
const char *fnh_body(size_t *len);

/* ---- Response --------------------------------------------------------------------------- */

/* Sets the status (200 when never called). 0 on success, -1 once the body has started. */
int fnh_status(int code);

/*
 * Adds a response header line `name: value` (both caller-owned, copied out at once). Call it twice
 * for repeated headers such as set-cookie. 0 on success, -1 once the body has started or when the
 * name or value holds a line break.
 */
int fnh_header_add(const char *name, const char *value);

/* Writes body bytes (caller-owned); the first write ends the headers. 0 on success, -1 on error. */
int fnh_write(const void *data, size_t len);

/* fnh_write of a NUL-terminated string, without adding a newline. */
int fnh_puts(const char *s);

/* printf into the body. 0 on success, -1 on error. */
int fnh_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fnh_vprintf(const char *fmt, va_list args);

/* Writes `s` as a JSON string literal, quotes included. 0 on success, -1 on error. */
int fnh_write_json_string(const char *s);

/*
 * JSON-escapes `len` bytes of `in` (without quotes) into `out` (caller-owned, `cap` bytes, NUL-terminated
 * when cap > 0). Returns the escaped length, which is >= cap when the output was truncated.
 */
size_t fnh_json_escape(const char *in, size_t len, char *out, size_t cap);

/* Ends the header block if no body was written and flushes stdout. Runs at exit on its own. */
int fnh_finish(void);

/*
 * Key-value store (WAGI guests; served by the host's SQLite backend, see README "Key-value
 * store"). `ns` is NULL or "" for the function's own namespace, or the name of a shared
 * namespace granted by the function's config `kv: ["name"]`; any other name is refused
 * (FNH_KV_NAMESPACE_DENIED). Keys are NUL-terminated UTF-8, at most 1 KiB; values at most 1 MiB.
 * Every call returns >= 0 on success or one of FNH_KV_* (< 0); a failed write changes nothing.
 * Ownership: `ns`, `key` and `value` stay the caller's (read during the call only); a value
 * returned by fnh_kv_get is malloc'd and becomes the caller's: free() it.
 */
enum {
  FNH_KV_NOT_FOUND = -1,
  FNH_KV_BAD_ARGUMENT = -2,
  FNH_KV_KEY_TOO_LARGE = -3,
  FNH_KV_VALUE_TOO_LARGE = -4,
  FNH_KV_QUOTA_EXCEEDED = -5,
  FNH_KV_NOT_A_NUMBER = -6,
  FNH_KV_NAMESPACE_DENIED = -7,
  FNH_KV_UNAVAILABLE = -8,
  FNH_KV_NO_MEMORY = -9,
};

/* Reads `key` into a new buffer (NUL-terminated; the NUL is not counted in *len, which may be
 * NULL). Returns 0, FNH_KV_NOT_FOUND or an error; *value is NULL unless 0 is returned. */
int fnh_kv_get(const char *ns, const char *key, char **value, size_t *len);

/* Stores `len` bytes at `key`; `ttl_s` > 0 expires it after that many seconds. Returns 0 or an error. */
int fnh_kv_put(const char *ns, const char *key, const void *value, size_t len, unsigned ttl_s);

/* Removes `key`: 1 when it existed, 0 when not, or an error. */
int fnh_kv_delete(const char *ns, const char *key);

/* Atomically adds `by` to the decimal integer at `key` (absent: 0); the new value goes to
 * *result when it is not NULL. Returns 0 or an error (FNH_KV_NOT_A_NUMBER for other values). */
int fnh_kv_incr(const char *ns, const char *key, long long by, long long *result);

/* A static description of an FNH_KV_* code; never free it. */
const char *fnh_kv_strerror(int code);

#ifdef __cplusplus
}
#endif

#endif
