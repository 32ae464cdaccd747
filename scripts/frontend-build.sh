#!/usr/bin/env bash
# Builds the web app into frontend/dist: installs the npm packages from the lockfile when they are
# missing or stale, and rebuilds only when a source is newer than the last build (FORCE=1 always
# rebuilds; DT_API_BASE sets the API base URL baked in, default same-origin /api).
# Without Node.js and npm it says so and exits 0 (the API runs without the site) unless
# FRONTEND_REQUIRED=1, when it fails.
set -euo pipefail
cd "$(dirname "$0")/../frontend"

if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  echo "frontend: Node.js and npm are not installed, so the web app is not built (install nodejs and npm; Debian: apt-get install nodejs npm)." >&2
  [ "${FRONTEND_REQUIRED:-0}" = 1 ] && exit 1
  exit 0
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "frontend: installing npm packages (npm ci)..." >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

stamp=node_modules/.dtbase-build-stamp
want="api=${DT_API_BASE:-/api}"
if [ "${FORCE:-0}" != 1 ] && [ -f dist/index.html ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] &&
   [ -z "$(find src public build.mjs staticwebapp.config.json package-lock.json -newer "$stamp" -print -quit)" ]; then
  echo "frontend: dist is up to date" >&2
  exit 0
fi
node build.mjs
echo "$want" > "$stamp"
