#!/usr/bin/env bash
# The PostgreSQL server the team hub's tests use: Debian's `postgresql` package (installed when
# missing) running a private cluster of its own, apart from the system's: its data in
# $PARLEY_PG_DIR (default /tmp/parley-pg), on 127.0.0.1:$PARLEY_PG_PORT (default 55432), with the
# superuser parley (password parley). Durability is traded for speed (fsync off): it holds test
# data only. Idempotent and quick when the cluster is already up; prints the cluster's address.
# Needs root (or sudo) the first time, to install the package.
set -euo pipefail

dir=${PARLEY_PG_DIR:-/tmp/parley-pg}
port=${PARLEY_PG_PORT:-55432}
url="postgres://parley:parley@127.0.0.1:$port/postgres"

bin_dir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
[ -n "$(bin_dir)" ] || bash "$(dirname "$0")/apt-install.sh" pg-env postgresql
bin=$(bin_dir)
[ -x "$bin/pg_ctl" ] || { echo "[pg-env] no pg_ctl under /usr/lib/postgresql after installing postgresql" >&2; exit 1; }

# PostgreSQL refuses to run as root: as root, the cluster belongs to the package's postgres user.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
  PGPASSWORD=parley "$bin/psql" -q -h 127.0.0.1 -p "$port" -U parley -d postgres -c 'SELECT 1' >/dev/null ||
    { echo "[pg-env] something else listens on 127.0.0.1:$port; set PARLEY_PG_PORT to another port" >&2; exit 1; }
  echo "$url"
  exit 0
fi

if [ ! -f "$dir/PG_VERSION" ]; then
  echo "[pg-env] creating a PostgreSQL cluster in $dir" >&2
  rm -rf "$dir"
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
  chmod 700 "$dir"
  printf 'parley\n' >"$dir.pw"
  [ "$(id -u)" = 0 ] && chown postgres "$dir.pw"
  as_owner "$bin/initdb" -D "$dir" -U parley --pwfile="$dir.pw" --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$dir.pw"
fi

options="-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 -o "$options" start >/dev/null ||
  { echo "[pg-env] PostgreSQL did not start; its log:" >&2; tail -n 20 "$dir/server.log" >&2; exit 1; }
echo "$url"
