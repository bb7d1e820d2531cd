#!/usr/bin/env bash
# Builds the sample SMART app into a directory `tessera serve --apps-dir` serves at /apps/:
#   OUT/index.html          the /apps/ start page
#   OUT/sample/...          the app (index.html = redirect_uri, launch.html, standalone.html, ...)
#   OUT/sample/fhir-client.min.js   SMART's fhirclient, from the npm package pinned in
#                                   package-lock.json (installed here, never fetched at run time)
# Usage: apps/sample/build.sh [OUT]   (default OUT: apps/dist in the repository)
# Needs node + npm the first time (npm ci); later runs reuse node_modules unless the lock changed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/../dist}"
cd "$here"
if ! command -v npm >/dev/null 2>&1; then
  echo "apps/sample: npm is required (Debian: apt-get install nodejs npm)" >&2
  exit 1
fi
stamp=node_modules/.tessera-lock
if [ ! -f node_modules/fhirclient/build/fhir-client.min.js ] || ! cmp -s package-lock.json "$stamp"; then
  # Only the prebuilt browser bundle is used: optional (React Native) and peer deps are not needed.
  npm ci --no-audit --no-fund --loglevel=error --omit=optional --omit=peer --ignore-scripts
  cp package-lock.json "$stamp"
fi
lib=node_modules/fhirclient/build/fhir-client.min.js
version=$(node -p "require('./node_modules/fhirclient/package.json').version")
mkdir -p "$out/sample"
# The output is generated: keep it out of git wherever it is written.
printf '*\n' > "$out/.gitignore"
cp src/index.html src/launch.html src/standalone.html src/app.js src/launch.js src/standalone.js \
   src/app.css src/favicon.svg "$out/sample/"
cp src/apps-index.html "$out/index.html"
cp "$lib" "$out/sample/fhir-client.min.js"
cp node_modules/fhirclient/build/fhir-client.min.js.LICENSE.txt "$out/sample/" 2>/dev/null || true
cp node_modules/fhirclient/LICENSE "$out/sample/fhirclient-LICENSE.txt"
echo "sample app (fhirclient $version) built in $(cd "$out" && pwd)"
