#!/bin/bash
# scripts/with-postgres.sh CMD... — run CMD against a throwaway PostgreSQL 15.
#
# Starts a private cluster in a fresh temporary directory (Unix socket there,
# TCP on a free loopback port), creates the roles bw_owner (owns the database
# and runs migrations) and bw_app (the runtime role: data rights only, granted
# by default privileges on whatever bw_owner creates), and the database
# bulwark. Exports for CMD:
#   BW_TEST_PG_OWNER    postgresql:// URL of bw_owner over the Unix socket
#   BW_TEST_PG_APP      postgresql:// URL of bw_app over the Unix socket
#   BW_TEST_PG_APP_TCP  bw_app over TCP on 127.0.0.1 with its password and
#                       sslmode=disable (the server has no TLS): for the
#                       development-only loopback option
#   BW_TEST_PG_TCP_PORT the TCP port
# The cluster is stopped and the directory removed on every exit path. As
# root the server runs as the postgres user (initdb refuses root).
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 CMD..." >&2; exit 2; }
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
for b in initdb pg_ctl psql; do
  [ -x "$PGBIN/$b" ] || { echo "with-postgres: $PGBIN/$b missing (Debian: postgresql)" >&2; exit 2; }
done

freeport() { /usr/bin/python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

PGTMP=$(mktemp -d /tmp/bw-pg.XXXXXX)
if [ "$(id -u)" -eq 0 ]; then
  chown postgres:postgres "$PGTMP"
  as_pg() { (cd "$PGTMP" && runuser -u postgres -- "$@"); }   # cd: postgres may not enter $PWD
else
  as_pg() { (cd "$PGTMP" && "$@"); }
fi
chmod 700 "$PGTMP"
started=0
cleanup() {
  if [ "$started" -eq 1 ]; then
    as_pg "$PGBIN/pg_ctl" -D "$PGTMP/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$PGTMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A random password per run for each role: nothing fixed to leak or reuse.
OWNER_PW=$(od -An -N18 -tx1 /dev/urandom | tr -d ' \n')
APP_PW=$(od -An -N18 -tx1 /dev/urandom | tr -d ' \n')

as_pg "$PGBIN/initdb" -D "$PGTMP/data" -U postgres -E UTF8 --locale=C.UTF-8 -N \
  --auth-local=trust --auth-host=scram-sha-256 >/dev/null
PGPORT=$(freeport)
started=1
as_pg "$PGBIN/pg_ctl" -D "$PGTMP/data" -l "$PGTMP/log" -w -t 30 start -o "-k $PGTMP -p $PGPORT \
  -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  >/dev/null || { cat "$PGTMP/log" >&2; exit 1; }

PSQL=("$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PGTMP" -p "$PGPORT")
"${PSQL[@]}" -U postgres -d postgres -v owner_pw="$OWNER_PW" -v app_pw="$APP_PW" <<'SQL'
CREATE ROLE bw_owner LOGIN PASSWORD :'owner_pw';
CREATE ROLE bw_app   LOGIN PASSWORD :'app_pw';
CREATE DATABASE bulwark OWNER bw_owner;
REVOKE ALL ON DATABASE bulwark FROM PUBLIC;
GRANT CONNECT ON DATABASE bulwark TO bw_owner, bw_app;
SQL
"${PSQL[@]}" -U bw_owner -d bulwark <<'SQL'
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO bw_app;
ALTER DEFAULT PRIVILEGES FOR ROLE bw_owner IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO bw_app;
ALTER DEFAULT PRIVILEGES FOR ROLE bw_owner IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO bw_app;
SQL

export BW_TEST_PG_OWNER="postgresql://bw_owner@/bulwark?host=$PGTMP&port=$PGPORT"
export BW_TEST_PG_APP="postgresql://bw_app@/bulwark?host=$PGTMP&port=$PGPORT"
export BW_TEST_PG_APP_TCP="postgresql://bw_app:$APP_PW@127.0.0.1:$PGPORT/bulwark?sslmode=disable"
export BW_TEST_PG_TCP_PORT=$PGPORT
# libpq must see only what the URLs say
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGPASSWORD PGSSLMODE PGSERVICE PGOPTIONS || true

set +e
"$@"
rc=$?
set -e
exit "$rc"
