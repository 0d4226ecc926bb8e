/*
 * wordcount: built with emscripten (-sSTANDALONE_WASM, 256 KiB initial memory that grows on
 * demand), to show that emscripten's standalone output runs under fnhost as a WAGI command.
 *
 *   POST /c/wordcount with body "one two\nthree\n"
 *   -> 200 application/json {"lines":2,"words":3,"bytes":14}
 */
#include <ctype.h>

#include "fnhost.h"

int main(void) {
  size_t len = 0;
  const char *body = fnh_body(&len);
  long lines = 0, words = 0;
  int in_word = 0;
  for (size_t i = 0; body && i < len; i++) {
    unsigned char c = (unsigned char)body[i];
    if (c == '\n') lines++;
    if (isspace(c))
      in_word = 0;
    else if (!in_word) {
      in_word = 1;
      words++;
    }
  }
  fnh_header_add("content-type", "application/json");
  fnh_printf("{\"lines\":%ld,\"words\":%ld,\"bytes\":%zu}", lines, words, len);
  return 0;
}
