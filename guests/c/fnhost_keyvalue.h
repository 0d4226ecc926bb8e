/*
 * fnhost_keyvalue.h - the key-value store from a C component (wasi:keyvalue@0.2.0-draft).
 *
 * Include it after fnhost_http.h, in the same source file: it holds the canonical-ABI glue of
 * wasi:keyvalue/store and atomics and uses that header's arena. `fnhost build --component` builds
 * it (the SDK's world in guests/c/wit imports wasi:keyvalue; `jco new` keeps only what is called).
 *
 *   fnh_kv_bucket b;
 *   if (fnh_kv_open("", &b) == 0) {          // "": the function's own namespace
 *     uint64_t hits;
 *     fnh_kv_increment(b, "hits", 1, &hits);
 *     fnh_kv_close(b);
 *   }
 *
 * Buckets: "" is the function's own namespace; a shared name ("sessions") is a namespace the
 * function's config grants (`kv: ["sessions"]`). Anything else fails with FNH_KV_ACCESS_DENIED;
 * a guest never reaches another function's data.
 *
 * Return codes: 0 (or 1/0 where a call answers yes/no) on success; on failure one of the three
 * cases of wasi:keyvalue's `error` variant. FNH_KV_OTHER carries a message, `fnh_kv_error()`,
 * which starts with the host's KV code (`KV_VALUE_TOO_LARGE: ...`, `KV_QUOTA_EXCEEDED: ...`).
 *
 * Memory: values and messages the host hands back live in fnhost_http.h's arena: valid until
 * fnh_http_handle returns, never freed by the caller. Keys and values passed in stay the caller's;
 * keys are NUL-terminated UTF-8 strings.
 *
 * Not for WAGI modules: those use fnh_kv_* of fnhost.h (the fnhost_kv import module) instead.
 */
#ifndef FNHOST_KEYVALUE_H
#define FNHOST_KEYVALUE_H

#ifndef FNHOST_HTTP_H
#error "include fnhost_http.h before fnhost_keyvalue.h"
#endif
#ifdef FNHOST_H
#error "fnhost_keyvalue.h is for components; WAGI modules use fnh_kv_* of fnhost.h"
#endif

/* A wasi:keyvalue bucket (a resource handle). */
typedef int32_t fnh_kv_bucket;

#define FNH_KV_NO_SUCH_STORE (-1)
#define FNH_KV_ACCESS_DENIED (-2)
#define FNH_KV_OTHER (-3)

/* Opens a bucket: 0 and *out set, or an error code. */
int fnh_kv_open(const char *name, fnh_kv_bucket *out);
/* Gives the bucket back; the handle is invalid afterwards. */
void fnh_kv_close(fnh_kv_bucket bucket);
/* 1 and *value, *len set when the key exists (arena memory), 0 when it does not, or an error. */
int fnh_kv_get(fnh_kv_bucket bucket, const char *key, const uint8_t **value, size_t *len);
int fnh_kv_set(fnh_kv_bucket bucket, const char *key, const void *value, size_t len);
/* 0 whether or not the key existed, or an error. */
int fnh_kv_delete(fnh_kv_bucket bucket, const char *key);
/* 1 when the key exists, 0 when not, or an error. */
int fnh_kv_exists(fnh_kv_bucket bucket, const char *key);
/* Atomically adds delta to the decimal integer at key (absent: 0); *result is the new value. */
int fnh_kv_increment(fnh_kv_bucket bucket, const char *key, uint64_t delta, uint64_t *result);
/* The message of the last FNH_KV_OTHER (arena memory), or an empty string. */
fnh_str fnh_kv_error(void);
/* A short name for a return code: "ok", "no-such-store", "access-denied", "other". */
const char *fnh_kv_strerror(int code);

/* ---- the glue: canonical ABI of wasi:keyvalue@0.2.0-draft ------------------------------ */

#define FNH_KV_STORE "wasi:keyvalue/store@0.2.0-draft"

FNH_IMPORT(FNH_KV_STORE, "open")
void fnh__kv_open(const char *name, size_t name_len, void *ret);
FNH_IMPORT(FNH_KV_STORE, "[method]bucket.get")
void fnh__kv_get(int32_t bucket, const char *key, size_t key_len, void *ret);
FNH_IMPORT(FNH_KV_STORE, "[method]bucket.set")
void fnh__kv_set(int32_t bucket, const char *key, size_t key_len, const void *value,
                 size_t value_len, void *ret);
FNH_IMPORT(FNH_KV_STORE, "[method]bucket.delete")
void fnh__kv_delete(int32_t bucket, const char *key, size_t key_len, void *ret);
FNH_IMPORT(FNH_KV_STORE, "[method]bucket.exists")
void fnh__kv_exists(int32_t bucket, const char *key, size_t key_len, void *ret);
FNH_IMPORT(FNH_KV_STORE, "[resource-drop]bucket")
void fnh__kv_drop(int32_t bucket);
FNH_IMPORT("wasi:keyvalue/atomics@0.2.0-draft", "increment")
void fnh__kv_increment(int32_t bucket, const char *key, size_t key_len, int64_t delta, void *ret);

static fnh_str fnh__kv_message;

/*
 * `error` is a variant with its case at `at` and, for `other(string)`, the string's pointer and
 * length in the two words after it. Host memory (the message) is allocated in the arena.
 */
static int fnh__kv_fail(const uint8_t *at) {
  fnh__kv_message.ptr = "";
  fnh__kv_message.len = 0;
  switch (at[0]) {
  case 0:
    return FNH_KV_NO_SUCH_STORE;
  case 1:
    return FNH_KV_ACCESS_DENIED;
  default: {
    const int32_t *words = (const int32_t *)(const void *)(at + 4);
    fnh__kv_message.ptr = (const char *)(uintptr_t)words[0];
    fnh__kv_message.len = (size_t)words[1];
    return FNH_KV_OTHER;
  }
  }
}

fnh_str fnh_kv_error(void) {
  if (!fnh__kv_message.ptr) fnh__kv_message.ptr = "";
  return fnh__kv_message;
}

const char *fnh_kv_strerror(int code) {
  switch (code) {
  case FNH_KV_NO_SUCH_STORE:
    return "no-such-store";
  case FNH_KV_ACCESS_DENIED:
    return "access-denied";
  case FNH_KV_OTHER:
    return "other";
  default:
    return code >= 0 ? "ok" : "unknown";
  }
}

/*
 * Host calls run in the glue phase, so what the host allocates (values, messages) comes from the
 * request's arena even under wasi-libc, where cabi_realloc otherwise hands out lasting memory.
 */
#define FNH__KV_CALL(call)                                                                         \
  do {                                                                                             \
    int fnh__was = fnh__glue_phase;                                                                \
    fnh__glue_phase = 1;                                                                           \
    call;                                                                                          \
    fnh__glue_phase = fnh__was;                                                                    \
  } while (0)

/* result<bucket, error>: case at 0, payload at 4. */
int fnh_kv_open(const char *name, fnh_kv_bucket *out) {
  int32_t ret[4];
  FNH__KV_CALL(fnh__kv_open(name, fnh_strlen(name), ret));
  const uint8_t *r = (const uint8_t *)ret;
  if (r[0] != 0) return fnh__kv_fail(r + 4);
  *out = ret[1];
  return 0;
}

void fnh_kv_close(fnh_kv_bucket bucket) { fnh__kv_drop(bucket); }

/* result<option<list<u8>>, error>: case at 0; option case at 4, list at 8 and 12. */
int fnh_kv_get(fnh_kv_bucket bucket, const char *key, const uint8_t **value, size_t *len) {
  int32_t ret[4];
  FNH__KV_CALL(fnh__kv_get(bucket, key, fnh_strlen(key), ret));
  const uint8_t *r = (const uint8_t *)ret;
  if (r[0] != 0) return fnh__kv_fail(r + 4);
  if (r[4] == 0) return 0;
  *value = (const uint8_t *)(uintptr_t)ret[2];
  *len = (size_t)ret[3];
  return 1;
}

/* result<_, error>: case at 0, error at 4. */
int fnh_kv_set(fnh_kv_bucket bucket, const char *key, const void *value, size_t len) {
  int32_t ret[4];
  FNH__KV_CALL(fnh__kv_set(bucket, key, fnh_strlen(key), value, len, ret));
  const uint8_t *r = (const uint8_t *)ret;
  return r[0] != 0 ? fnh__kv_fail(r + 4) : 0;
}

int fnh_kv_delete(fnh_kv_bucket bucket, const char *key) {
  int32_t ret[4];
  FNH__KV_CALL(fnh__kv_delete(bucket, key, fnh_strlen(key), ret));
  const uint8_t *r = (const uint8_t *)ret;
  return r[0] != 0 ? fnh__kv_fail(r + 4) : 0;
}

/* result<bool, error>: case at 0, the bool (or the error) at 4. */
int fnh_kv_exists(fnh_kv_bucket bucket, const char *key) {
  int32_t ret[4];
  FNH__KV_CALL(fnh__kv_exists(bucket, key, fnh_strlen(key), ret));
  const uint8_t *r = (const uint8_t *)ret;
  if (r[0] != 0) return fnh__kv_fail(r + 4);
  return r[4] != 0;
}

/* result<u64, error>: the payload is 8-aligned, so the u64 (or the error) is at 8. */
int fnh_kv_increment(fnh_kv_bucket bucket, const char *key, uint64_t delta, uint64_t *result) {
  int64_t ret[3];
  FNH__KV_CALL(fnh__kv_increment(bucket, key, fnh_strlen(key), (int64_t)delta, ret));
  const uint8_t *r = (const uint8_t *)ret;
  if (r[0] != 0) return fnh__kv_fail(r + 8);
  *result = (uint64_t)ret[1];
  return 0;
}

#endif
