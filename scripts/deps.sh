#!/bin/bash
# Install the Debian packages named on the command line that are not yet installed.
# As root: apt-get install (with one apt-get update when the lists are stale or empty).
# Otherwise: print the one apt-get line to run, and fail.
set -euo pipefail
missing=()
for p in "$@"; do
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all $# packages present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "deps: missing: ${missing[*]}" >&2
  echo "deps: as root run: apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
updated=0
for p in "${missing[@]}"; do
  pol=$(apt-cache policy "$p" 2>/dev/null || true)
  if [ -z "$pol" ] || grep -q 'Candidate: (none)' <<<"$pol"; then
    apt-get update -qq
    updated=1
    break
  fi
done
echo "deps: installing ${missing[*]}"
apt-get install -y -qq --no-install-recommends "${missing[@]}" \
  || { [ $updated -eq 0 ] && apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; }
