#!/bin/bash
# Refuse banned functions (STYLE.md) in our C: src/, tests/, fuzz/, bench/.
# Comment lines are skipped. sqlite3_exec/PQexec are banned outright: the
# database layer binds values to literal SQL through prepared statements.
set -euo pipefail
cd "$(dirname "$0")/.."
pattern='\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|atoll|rand|random|srand|system|popen|sqlite3_exec|PQexec|strncpy|alloca|tmpnam|mktemp)[[:space:]]*\('
dirs=()
for d in src include tests fuzz bench; do [ -d "$d" ] && dirs+=("$d"); done
hits=$(grep -rnE "$pattern" --include='*.c' --include='*.h' "${dirs[@]}" 2>/dev/null \
  | grep -vE '^[^:]+:[0-9]+:[[:space:]]*(//|\*|/\*)' || true)
# memcmp is allowed on public data only; on secrets use bw_ct_eq. Flag memcmp next to
# names that suggest secret material.
secret_hits=$(grep -rnE '\bmemcmp[[:space:]]*\([^)]*(secret|key|token|mac|hash|password|sig)' \
  --include='*.c' src 2>/dev/null || true)
# SQL text comes only from the BW_SQL macros (literals); a hand-built struct
# bw_sql would let a runtime string through.
sql_hits=$(grep -rnE '\((const[[:space:]]+)?struct bw_sql\)[[:space:]]*\{' --include='*.c' --include='*.h' src fuzz 2>/dev/null \
  | grep -vE '^src/lib/db[a-z_]*\.c:' || true)
hits="$hits$sql_hits"
if [ -n "$hits$secret_hits" ]; then
  echo "check-banned: banned functions found (see STYLE.md):" >&2
  [ -n "$hits" ] && echo "$hits" >&2
  [ -n "$secret_hits" ] && echo "$secret_hits" >&2
  exit 1
fi
echo "check-banned: clean"
