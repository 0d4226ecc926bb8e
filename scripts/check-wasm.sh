#!/bin/sh
# CI: rebuilds every C guest into a temporary folder and fails if a committed .wasm differs.
set -eu
cd "$(dirname "$0")/.."
exec node --import tsx scripts/build-wasm.ts --check
