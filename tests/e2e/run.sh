#!/usr/bin/env bash
# Runs the end-to-end tests that use third-party client libraries (openid-client, jose) against
# a tessera binary (TESSERA_BIN, default build/apps/tessera/tessera). Installs the pinned
# dependencies from package-lock.json on first use. Exits with the test runner's status.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "tests/e2e: node and npm are required (Debian: apt-get install nodejs npm)" >&2
  exit 1
fi
if [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund
fi
set +e
node --test
rc=$?
exit "$rc"
