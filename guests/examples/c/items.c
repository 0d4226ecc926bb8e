/*
 * items: a read-only JSON API with a path parameter (route /c/items/:id, from items.json).
 *
 *   GET /c/items/2    -> 200 application/json {"id":2,"name":"kettle","price_cents":2499}
 *   GET /c/items/9    -> 404 application/json {"error":"no item 9"}
 *   GET /c/items/abc  -> 400 application/json {"error":"id must be a number, got \"abc\""}
 */
#include <stdio.h>
#include <stdlib.h>

#include "fnhost.h"

struct item {
  const char *name;
  int price_cents;
};

static const struct item items[] = {{"teapot", 1899}, {"kettle", 2499}, {"mug", 650}};

static int fail(int status, const char *message) {
  fnh_status(status);
  fnh_header_add("content-type", "application/json");
  fnh_puts("{\"error\":");
  fnh_write_json_string(message);
  fnh_puts("}");
  return 0;
}

int main(void) {
  char id[32], message[96];
  long n = fnh_param("id", id, sizeof id);
  if (n <= 0 || n >= (long)sizeof id) return fail(FNH_BAD_REQUEST, "missing or overlong id");
  char *end;
  long number = strtol(id, &end, 10);
  if (*end != '\0' || id[0] < '0' || id[0] > '9') {
    snprintf(message, sizeof message, "id must be a number, got \"%s\"", id);
    return fail(FNH_BAD_REQUEST, message);
  }
  if (number < 1 || number > (long)(sizeof items / sizeof items[0])) {
    snprintf(message, sizeof message, "no item %ld", number);
    return fail(FNH_NOT_FOUND, message);
  }
  const struct item *it = &items[number - 1];
  fnh_header_add("content-type", "application/json");
  fnh_printf("{\"id\":%ld,\"name\":", number);
  fnh_write_json_string(it->name);
  fnh_printf(",\"price_cents\":%d}", it->price_cents);
  return 0;
}
