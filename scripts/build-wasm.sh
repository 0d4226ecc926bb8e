#!/bin/sh
# Builds every C guest into wasm/ (and the examples beside their sources), reproducibly.
# Needs: apt-get install clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32 emscripten
set -eu
cd "$(dirname "$0")/.."
exec node --import tsx scripts/build-wasm.ts "$@"
