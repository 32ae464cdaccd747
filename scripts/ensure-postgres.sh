#!/usr/bin/env bash
# Makes sure PostgreSQL server binaries (initdb, pg_ctl) are on this machine: installs Debian's
# package when they are missing and we can, otherwise says what to install. Prints nothing when
# they are already there.
set -euo pipefail

have_binaries() {
  [ -n "${PG_BIN:-}" ] && [ -x "$PG_BIN/initdb" ] && return 0
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && return 0
  command -v initdb >/dev/null 2>&1
}

have_binaries && exit 0

if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "PostgreSQL server binaries not found: installing Debian's postgresql package..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  have_binaries && exit 0
fi

cat >&2 <<'MSG'
PostgreSQL server binaries (initdb, pg_ctl) are needed to run DTBase locally and to test it.
Install them, e.g. `sudo apt-get install postgresql` (Debian/Ubuntu) or `brew install postgresql`,
or set PG_BIN to the directory holding them, or set DT_DATABASE_URL to an existing server.
MSG
exit 1
