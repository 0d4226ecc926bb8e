/* fnhost.c - implementation of fnhost.h; see there for the contract and pointer ownership. */
#include "fnhost.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fnh_body_started = 0;
static int fnh_finished = 0;
static char *fnh_body_buf = NULL;
static size_t fnh_body_len = 0;
static char fnh_path_buf[4096];

static const char *fnh_getenv_or(const char *name, const char *fallback) {
  const char *v = getenv(name);
  return v ? v : fallback;
}

const char *fnh_method(void) { return fnh_getenv_or("REQUEST_METHOD", "GET"); }

const char *fnh_path_info(void) { return fnh_getenv_or("PATH_INFO", ""); }

const char *fnh_path(void) {
  const char *script = fnh_getenv_or("SCRIPT_NAME", ""), *info = fnh_path_info();
  size_t a = strlen(script), b = strlen(info), cap = sizeof fnh_path_buf - 1;
  if (a + b == 0) return "/";
  /* A path longer than the buffer is cut short, like any other SDK copy. */
  if (a > cap) a = cap;
  if (b > cap - a) b = cap - a;
  memcpy(fnh_path_buf, script, a);
  memcpy(fnh_path_buf + a, info, b);
  fnh_path_buf[a + b] = '\0';
  return fnh_path_buf;
}

const char *fnh_query_string(void) { return fnh_getenv_or("QUERY_STRING", ""); }

const char *fnh_env(const char *name) { return getenv(name); }

static int fnh_hex(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decodes one form-encoded byte at s[*i] ('+' is a space, %XX a byte) and advances *i. */
static int fnh_decode_at(const char *s, size_t end, size_t *i) {
  char c = s[*i];
  if (c == '+') {
    *i += 1;
    return ' ';
  }
  if (c == '%' && *i + 2 < end && fnh_hex(s[*i + 1]) >= 0 && fnh_hex(s[*i + 2]) >= 0) {
    int v = fnh_hex(s[*i + 1]) * 16 + fnh_hex(s[*i + 2]);
    *i += 3;
    return v;
  }
  *i += 1;
  return (unsigned char)c;
}

/* Compares the decoded form of s[start..end) with `name`. */
static int fnh_decoded_equals(const char *s, size_t start, size_t end, const char *name) {
  size_t i = start, n = 0;
  while (i < end) {
    if (name[n] == '\0' || fnh_decode_at(s, end, &i) != (unsigned char)name[n]) return 0;
    n++;
  }
  return name[n] == '\0';
}

static long fnh_copy_decoded(const char *s, size_t start, size_t end, char *out, size_t cap) {
  size_t i = start;
  long n = 0;
  while (i < end) {
    int c = fnh_decode_at(s, end, &i);
    if (cap > 0 && (size_t)n < cap - 1) out[n] = (char)c;
    n++;
  }
  if (cap > 0) out[(size_t)n < cap ? (size_t)n : cap - 1] = '\0';
  return n;
}

long fnh_query(const char *name, char *out, size_t cap) {
  const char *q = fnh_query_string();
  size_t len = strlen(q), start = 0;
  while (start <= len) {
    size_t end = start;
    while (end < len && q[end] != '&') end++;
    size_t eq = start;
    while (eq < end && q[eq] != '=') eq++;
    if (end > start && fnh_decoded_equals(q, start, eq, name))
      return fnh_copy_decoded(q, eq < end ? eq + 1 : end, end, out, cap);
    start = end + 1;
  }
  return -1;
}

/* The [start, end) of segment `index` of a '/'-separated path, or 0 when there is none. */
static int fnh_segment(const char *path, int index, size_t *start, size_t *end) {
  size_t i = 0;
  int seg = -1;
  while (path[i] != '\0') {
    while (path[i] == '/') i++;
    if (path[i] == '\0') break;
    size_t s = i;
    while (path[i] != '\0' && path[i] != '/') i++;
    if (++seg == index) {
      *start = s;
      *end = i;
      return 1;
    }
  }
  return 0;
}

static int fnh_count_segments(const char *path) {
  int n = 0;
  size_t s, e;
  while (fnh_segment(path, n, &s, &e)) n++;
  return n;
}

long fnh_param(const char *name, char *out, size_t cap) {
  const char *route = fnh_getenv_or("X_MATCHED_ROUTE", "");
  const char *script = fnh_getenv_or("SCRIPT_NAME", "");
  /* SCRIPT_NAME may carry the host's /r alias in front of the route's own segments. */
  int offset = fnh_count_segments(script) - fnh_count_segments(route);
  size_t rs, re, ss, se;
  for (int i = 0; offset >= 0 && fnh_segment(route, i, &rs, &re); i++) {
    if (route[rs] != ':' || re - rs - 1 != strlen(name) || strncmp(route + rs + 1, name, re - rs - 1))
      continue;
    if (!fnh_segment(script, i + offset, &ss, &se)) return -1;
    size_t n = se - ss;
    if (cap > 0) {
      size_t copy = n < cap - 1 ? n : cap - 1;
      memcpy(out, script + ss, copy);
      out[copy] = '\0';
    }
    return (long)n;
  }
  return -1;
}

const char *fnh_header(const char *name) {
  char key[256] = "HTTP_";
  size_t n = 5;
  for (const char *p = name; *p != '\0'; p++) {
    if (n + 1 >= sizeof key) return NULL;
    key[n++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
  }
  key[n] = '\0';
  return getenv(key);
}

size_t fnh_content_length(void) { return (size_t)strtoul(fnh_getenv_or("CONTENT_LENGTH", "0"), NULL, 10); }

size_t fnh_body_read(void *buf, size_t cap) { return fread(buf, 1, cap, stdin); }

const char *fnh_body(size_t *len) {
  if (fnh_body_buf == NULL) {
    size_t cap = fnh_content_length() + 1, n = 0;
    if (cap < 256) cap = 256;
    char *buf = malloc(cap);
    if (buf == NULL) return NULL;
    for (;;) {
      n += fread(buf + n, 1, cap - 1 - n, stdin);
      if (n < cap - 1) break;
      char *grown = realloc(buf, cap * 2);
      if (grown == NULL) {
        free(buf);
        return NULL;
      }
      buf = grown;
      cap *= 2;
    }
    buf[n] = '\0';
    fnh_body_buf = buf;
    fnh_body_len = n;
  }
  if (len) *len = fnh_body_len;
  return fnh_body_buf;
}

static int fnh_safe_header_text(const char *s) { return strpbrk(s, "\r\n") == NULL; }

/* Header lines are written with fputs, not printf, so handlers that never format pay for no printf. */
int fnh_status(int code) {
  if (fnh_body_started || code < 200 || code > 599) return -1;
  char line[] = "status: 000\n";
  line[8] = (char)('0' + code / 100);
  line[9] = (char)('0' + code / 10 % 10);
  line[10] = (char)('0' + code % 10);
  return fputs(line, stdout) < 0 ? -1 : 0;
}

int fnh_header_add(const char *name, const char *value) {
  if (fnh_body_started || !fnh_safe_header_text(name) || !fnh_safe_header_text(value) ||
      strchr(name, ':') != NULL || name[0] == '\0')
    return -1;
  if (fputs(name, stdout) < 0 || fputs(": ", stdout) < 0 || fputs(value, stdout) < 0) return -1;
  return fputc('\n', stdout) == EOF ? -1 : 0;
}

static int fnh_start_body(void) {
  if (fnh_body_started) return 0;
  fnh_body_started = 1;
  return fputc('\n', stdout) == EOF ? -1 : 0;
}

int fnh_write(const void *data, size_t len) {
  if (fnh_start_body() != 0) return -1;
  return fwrite(data, 1, len, stdout) == len ? 0 : -1;
}

int fnh_puts(const char *s) { return fnh_write(s, strlen(s)); }

int fnh_vprintf(const char *fmt, va_list args) {
  if (fnh_start_body() != 0) return -1;
  return vprintf(fmt, args) < 0 ? -1 : 0;
}

int fnh_printf(const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  int r = fnh_vprintf(fmt, args);
  va_end(args);
  return r;
}

size_t fnh_json_escape(const char *in, size_t len, char *out, size_t cap) {
  static const char hex[] = "0123456789abcdef";
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)in[i];
    char esc[7];
    size_t k = 0;
    if (c == '"' || c == '\\') {
      esc[k++] = '\\';
      esc[k++] = (char)c;
    } else if (c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f') {
      esc[k++] = '\\';
      esc[k++] = c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : c == '\b' ? 'b' : 'f';
    } else if (c < 0x20) {
      memcpy(esc, "\\u00", 4);
      esc[4] = hex[c >> 4];
      esc[5] = hex[c & 15];
      k = 6;
    } else {
      esc[k++] = (char)c;
    }
    for (size_t j = 0; j < k; j++, n++)
      if (cap > 0 && n < cap - 1) out[n] = esc[j];
  }
  if (cap > 0) out[n < cap ? n : cap - 1] = '\0';
  return n;
}

int fnh_write_json_string(const char *s) {
  char chunk[512];
  size_t len = strlen(s);
  if (fnh_write("\"", 1) != 0) return -1;
  /* Escape in slices: one input byte grows to at most 6, so 80 bytes always fit the chunk. */
  for (size_t at = 0; at < len; at += 80) {
    size_t part = len - at < 80 ? len - at : 80;
    size_t n = fnh_json_escape(s + at, part, chunk, sizeof chunk);
    if (fnh_write(chunk, n) != 0) return -1;
  }
  return fnh_write("\"", 1);
}

int fnh_finish(void) {
  if (fnh_finished) return 0;
  fnh_finished = 1;
  if (fnh_start_body() != 0) return -1;
  return fflush(stdout) == 0 ? 0 : -1;
}

/* Runs when main returns or exit() is called, before libc flushes stdio. */
__attribute__((destructor)) static void fnh_at_exit(void) { fnh_finish(); }

/* ---- Key-value store: the fnhost_kv host imports (host/sandbox/wasi/kv-imports.ts) ---- */

#define FNH_KV_IMPORT(name) __attribute__((import_module("fnhost_kv"), import_name(name)))

FNH_KV_IMPORT("get")
int fnh_kv_import_get(const char *ns, size_t ns_len, const char *key, size_t key_len, char *buf,
                      size_t cap);
FNH_KV_IMPORT("put")
int fnh_kv_import_put(const char *ns, size_t ns_len, const char *key, size_t key_len,
                      const void *value, size_t len, unsigned ttl_s);
FNH_KV_IMPORT("delete")
int fnh_kv_import_delete(const char *ns, size_t ns_len, const char *key, size_t key_len);
FNH_KV_IMPORT("incr")
int fnh_kv_import_incr(const char *ns, size_t ns_len, const char *key, size_t key_len, long long by,
                       long long *result);

static const char *fnh_kv_ns(const char *ns) { return ns ? ns : ""; }

int fnh_kv_get(const char *ns, const char *key, char **value, size_t *len) {
  *value = NULL;
  if (!key) return FNH_KV_BAD_ARGUMENT;
  ns = fnh_kv_ns(ns);
  size_t cap = 256;
  for (;;) {
    char *buf = malloc(cap + 1);
    if (!buf) return FNH_KV_NO_MEMORY;
    int n = fnh_kv_import_get(ns, strlen(ns), key, strlen(key), buf, cap);
    if (n < 0) {
      free(buf);
      return n;
    }
    /* The value grew past the buffer (or changed between calls): read again with its size. */
    if ((size_t)n > cap) {
      free(buf);
      cap = (size_t)n;
      continue;
    }
    buf[n] = '\0';
    *value = buf;
    if (len) *len = (size_t)n;
    return 0;
  }
}

int fnh_kv_put(const char *ns, const char *key, const void *value, size_t len, unsigned ttl_s) {
  if (!key || (!value && len)) return FNH_KV_BAD_ARGUMENT;
  ns = fnh_kv_ns(ns);
  return fnh_kv_import_put(ns, strlen(ns), key, strlen(key), value ? value : "", len, ttl_s);
}

int fnh_kv_delete(const char *ns, const char *key) {
  if (!key) return FNH_KV_BAD_ARGUMENT;
  ns = fnh_kv_ns(ns);
  return fnh_kv_import_delete(ns, strlen(ns), key, strlen(key));
}

int fnh_kv_incr(const char *ns, const char *key, long long by, long long *result) {
  if (!key) return FNH_KV_BAD_ARGUMENT;
  ns = fnh_kv_ns(ns);
  long long next = 0;
  int rc = fnh_kv_import_incr(ns, strlen(ns), key, strlen(key), by, &next);
  if (rc == 0 && result) *result = next;
  return rc;
}

const char *fnh_kv_strerror(int code) {
  switch (code) {
  case FNH_KV_NOT_FOUND: return "no such key";
  case FNH_KV_BAD_ARGUMENT: return "bad argument";
  case FNH_KV_KEY_TOO_LARGE: return "key larger than the limit (1 KiB by default)";
  case FNH_KV_VALUE_TOO_LARGE: return "value larger than the limit (1 MiB by default)";
  case FNH_KV_QUOTA_EXCEEDED: return "the namespace's quota is full";
  case FNH_KV_NOT_A_NUMBER: return "the stored value is not a decimal integer";
  case FNH_KV_NAMESPACE_DENIED: return "namespace not granted to this function (config kv)";
  case FNH_KV_UNAVAILABLE: return "the key-value store is unavailable to this guest";
  case FNH_KV_NO_MEMORY: return "out of memory";
  default: return code >= 0 ? "ok" : "unknown error";
  }
}
