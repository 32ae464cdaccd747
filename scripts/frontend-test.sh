#!/usr/bin/env bash
# The web app's tests: unit tests of its TypeScript logic, and end-to-end tests that drive Debian's
# Chromium (headless, through playwright-core) against the real backend and a throwaway PostgreSQL
# cluster. Everything it starts is stopped and removed on exit, pass or fail. Screenshots of failed
# steps land in frontend/test-results/.
#
#   scripts/frontend-test.sh           build, start the platform, run every test
#   scripts/frontend-test.sh --serve   build and start the platform with test settings, then wait
#                                      (for trying the site by hand; Ctrl-C stops it)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
mode=${1:-test}

# Chromium: Debian's package (playwright's own browser downloads are not used).
if [ ! -x /usr/bin/chromium ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "frontend-test: installing Debian's chromium..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq chromium >&2
  else
    echo "frontend-test: /usr/bin/chromium is missing; install Debian's chromium package." >&2
    exit 1
  fi
fi
scripts/ensure-postgres.sh
FRONTEND_REQUIRED=1 scripts/frontend-build.sh
(cd frontend && node build.mjs --tests)

tmp=$(mktemp -d /tmp/dtbase-frontend-test.XXXXXX)
handler_pid=
cleanup() {
  status=$?
  if [ -n "$handler_pid" ] && kill -0 "$handler_pid" 2>/dev/null; then
    kill "$handler_pid" 2>/dev/null || true
    wait "$handler_pid" 2>/dev/null || true
  fi
  if [ -f "$tmp/pg/PG_VERSION" ]; then
    go run ./scripts/localdb -dir "$tmp/pg" -stop >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

go build -o "$tmp/handler" .
db_url=$(go run ./scripts/localdb -dir "$tmp/pg" -port 0)
port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
password=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')

# Short-lived access tokens (20 s) so that the suite exercises the automatic token refresh.
DT_DATABASE_URL=$db_url \
DT_JWT_SECRET_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
DT_JWT_ACCESS_TOKEN_EXPIRES_SECONDS=${DT_JWT_ACCESS_TOKEN_EXPIRES_SECONDS:-20} \
DT_DEFAULT_USER_PASS=$password \
DT_DISABLE_TIMERS=true \
DT_LISTEN_ADDR=127.0.0.1 \
DT_PORT=$port \
DT_FRONTEND_DIR=$root/frontend/dist \
DT_LOG_LEVEL=warn \
  "$tmp/handler" serve >"$tmp/handler.log" 2>&1 &
handler_pid=$!

base=http://127.0.0.1:$port
healthy=0
for _ in $(seq 1 120); do
  if node -e 'fetch(process.argv[1]).then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))' "$base/api/health"; then
    healthy=1
    break
  fi
  kill -0 "$handler_pid" 2>/dev/null || break
  sleep 0.5
done
if [ "$healthy" != 1 ]; then
  echo "frontend-test: the backend did not become healthy at $base; its log:" >&2
  tail -50 "$tmp/handler.log" >&2
fi

if [ "$mode" = --serve ]; then
  echo "DTBase (test settings) on $base  —  log in as default_user@localhost / $password  —  Ctrl-C stops it"
  wait "$handler_pid"
  exit 0
fi

cd frontend
rm -rf test-results
set +e
DT_E2E_BASE_URL=$base DT_E2E_EMAIL=default_user@localhost DT_E2E_PASSWORD=$password \
  node --test --test-reporter=tap --test-concurrency=1 .test-build/unit/*.test.mjs .test-build/e2e/*.test.mjs
status=$?
set -e
if [ "$status" != 0 ]; then
  echo "frontend-test: failed; the backend's log (last 40 lines):" >&2
  tail -40 "$tmp/handler.log" >&2
  ls test-results/*.png 2>/dev/null | sed 's/^/frontend-test: screenshot frontend\//' >&2
fi
exit "$status"
