#!/usr/bin/env bash
# The demo: a fresh database with the generated demo world, then authz + FHIR in one process on
# loopback. Used by `make demo` and by the integration test that checks it.
#   scripts/demo.sh TESSERA_BINARY PORT DIR [extra serve args...]
set -euo pipefail
bin=$1 port=$2 dir=$3
shift 3
base="http://127.0.0.1:${port}"
rm -rf "$dir" && mkdir -p "$dir"
"$bin" --database "$dir/tessera.db" --mode demo init --demo --demo-base-url "$base"
exec "$bin" --database "$dir/tessera.db" --mode demo serve --role all --listen "127.0.0.1:${port}" "$@"
