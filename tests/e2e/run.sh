#!/usr/bin/env bash
# Runs the end-to-end tests against a tessera binary (TESSERA_BIN, default
# build/apps/tessera/tessera):
#   openid_client.test.mjs  openid-client + jose (code flow with PKCE, refresh, id_token)
#   browser.test.mjs        Debian Chromium via playwright-core running the sample SMART app
#                           (fhirclient): standalone, proxy, EHR launcher, limited consent, errors
# Installs the pinned npm dependencies from package-lock.json when they are missing or the lock
# changed, builds the sample app (apps/sample/build.sh) into a temp dir unless TESSERA_APPS_DIR
# names a built one, and exits with the test runner's status. Screenshots: test-artifacts/e2e/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
root="$(cd ../.. && pwd)"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "tests/e2e: node and npm are required (Debian: apt-get install nodejs npm)" >&2
  exit 1
fi
chromium="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  echo "tests/e2e: $chromium is required (Debian: apt-get install chromium)" >&2
  exit 1
fi
if [ ! -d node_modules ] || ! cmp -s package-lock.json node_modules/.tessera-lock; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.tessera-lock
fi
tmp=""
if [ -z "${TESSERA_APPS_DIR:-}" ]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  bash "$root/apps/sample/build.sh" "$tmp/apps"
  export TESSERA_APPS_DIR="$tmp/apps"
fi
set +e
node --test --test-concurrency=1
rc=$?
exit "$rc"
