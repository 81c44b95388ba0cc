#!/bin/bash
# Black-box tests: pytest (Debian's python3) against the real server binary
# given in BULWARK_BIN. The tests start and stop their own servers on
# ephemeral loopback ports with temporary data directories.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${BULWARK_BIN:?set BULWARK_BIN to the server binary}"
export BULWARK_BIN
# sanitizer builds: fail on the first report, and keep leaks from noise at exit
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# sqlmap runs in its own step (below), against BULWARK_ATTACK_BIN: an attack
# test, not a memory test, and Argon2 under ASan would make it very slow.
set +e
/usr/bin/python3 -m pytest -p no:cacheprovider -q tests/integration \
  --ignore=tests/integration/test_sqlmap.py "$@"
rc=$?
set -e
if [ $rc -eq 5 ]; then
  echo "integration: no tests were collected" >&2
  exit 1
fi
[ $rc -eq 0 ] || exit $rc
# The same server on PostgreSQL: a throwaway cluster, owner and runtime roles.
if [ $# -eq 0 ]; then
  BW_REQUIRE_PG=1 ./scripts/with-postgres.sh \
    /usr/bin/python3 -m pytest -p no:cacheprovider -q tests/integration/test_postgresql.py
  BULWARK_BIN=${BULWARK_ATTACK_BIN:-$BULWARK_BIN} \
    /usr/bin/python3 -m pytest -p no:cacheprovider -q tests/integration/test_sqlmap.py
fi
