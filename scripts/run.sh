#!/usr/bin/env bash
# `make run`: builds the handler and starts the whole platform on http://localhost:7071.
# Without DT_DATABASE_URL (or DT_SQL_HOST) it starts or reuses a local PostgreSQL under .data/.
# Secrets it generates (JWT key, default user's password) are kept in .data/ across runs.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .data build
go build -o build/handler .

# The web app, served at / by the handler (skipped with a note when Node.js is not installed).
scripts/frontend-build.sh
if [ -z "${DT_FRONTEND_DIR+set}" ] && [ -f frontend/dist/index.html ]; then
  export DT_FRONTEND_DIR=$PWD/frontend/dist
fi

if [ -z "${DT_DATABASE_URL:-}" ] && [ -z "${DT_SQL_HOST:-}" ]; then
  scripts/ensure-postgres.sh
  DT_DATABASE_URL=$(go run ./scripts/localdb -dir .data/postgres)
  export DT_DATABASE_URL
  echo "Local PostgreSQL: $DT_DATABASE_URL (data in .data/postgres)"
fi

secret_file=.data/jwt-secret
if [ -z "${DT_JWT_SECRET_KEY:-}" ]; then
  [ -s "$secret_file" ] || head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$secret_file"
  DT_JWT_SECRET_KEY=$(cat "$secret_file")
  export DT_JWT_SECRET_KEY
fi

pass_file=.data/default-user-password
if [ -z "${DT_DEFAULT_USER_PASS:-}" ]; then
  [ -s "$pass_file" ] || head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$pass_file"
  DT_DEFAULT_USER_PASS=$(cat "$pass_file")
  export DT_DEFAULT_USER_PASS
fi

export DT_LISTEN_ADDR=${DT_LISTEN_ADDR:-127.0.0.1}
export DT_PORT=${DT_PORT:-7071}
export DT_WEATHER_SCHEDULE="${DT_WEATHER_SCHEDULE:-0 5 * * * *}"
export DT_ARIMA_SCHEDULE="${DT_ARIMA_SCHEDULE:-0 30 4,16 * * *}" DT_HODMD_SCHEDULE="${DT_HODMD_SCHEDULE:-0 45 4,16 * * *}"
web_app="http://localhost:$DT_PORT/"
[ -n "${DT_FRONTEND_DIR:-}" ] || web_app="not built (install Node.js and npm, then run make run again)"
cat <<MSG

DTBase is starting on http://localhost:$DT_PORT
  Web app:       $web_app
  API docs:      http://localhost:$DT_PORT/api/docs
  Health:        http://localhost:$DT_PORT/api/health
  Default login: default_user@localhost / $DT_DEFAULT_USER_PASS
Stop with Ctrl-C.

MSG
exec build/handler serve
