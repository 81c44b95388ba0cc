#!/bin/bash
# Side-by-side HTTP benchmark: bulwark's GET /v1/ping (the whole request pipeline)
# against nginx serving the same bytes with the same headers, and Fastify with
# @fastify/helmet and @fastify/rate-limit doing the same, over TLS and plain HTTP
# on loopback; then GET /v1/whoami with a Bearer EdDSA access token that bulwark
# issued (client_credentials), over TLS: bulwark with its verified-token cache and
# without it, Fastify verifying the same token with fast-jwt (its cache on), and
# nginx serving the same bytes. One run. Writes bench/results/<date>.md (+ .png
# plot, + .json numbers). bench/README.md says what is measured and how to read it.
#
# usage: bench/run.sh BULWARK_BIN
# environment (for quick trial runs; the committed reports use the defaults):
#   BENCH_DURATION=10  seconds per measured wrk run     BENCH_WARMUP=3  warm-up seconds
#   BENCH_REPS=3       measured runs per target          BENCH_IDLE_CONNS=500
#   BENCH_OUT=bench/results  where the report goes
set -euo pipefail

t_start=$EPOCHSECONDS
die() { echo "bench: $*" >&2; exit 1; }
say() { echo "bench: $*" >&2; }

[ $# -eq 1 ] || die "usage: bench/run.sh BULWARK_BIN"
bin=$1
[ -x "$bin" ] || die "bulwark binary '$bin' is missing or not executable (make build)"
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
PY=/usr/bin/python3
REPORT=$here/report.py

duration=${BENCH_DURATION:-10}
warmup=${BENCH_WARMUP:-3}
reps=${BENCH_REPS:-3}
idle_n=${BENCH_IDLE_CONNS:-500}
out=${BENCH_OUT:-bench/results}
threads=2 conns=64
rl_rate=100000000 rl_period=1
for v in duration warmup reps idle_n; do
	[[ ${!v} =~ ^[1-9][0-9]{0,4}$ ]] || die "$v must be a positive integer"
done

for t in wrk nginx node npm curl openssl gnuplot "$PY"; do
	command -v "$t" >/dev/null || die "$t is missing (make deps-bench installs it)"
done

# 500 idle connections on the client side plus the servers' own descriptors.
ulimit -n 8192 2>/dev/null || true
[ "$(ulimit -n)" -ge $((idle_n * 2 + 256)) ] || die "open-file limit $(ulimit -n) is too low for $idle_n idle connections"

# Fastify and its plugins at the versions pinned in package-lock.json.
if [ ! -d bench/fastify/node_modules ] || [ bench/fastify/package-lock.json -nt bench/fastify/node_modules ]; then
	say "installing Fastify (npm ci)"
	(cd bench/fastify && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
	touch bench/fastify/node_modules
fi

W=$(mktemp -d -t bench.XXXXXX)
pids=()
cleanup() {
	local p i
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do
		for i in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

freeport() {
	"$PY" -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

# wait_ready PID LOG ERE SECONDS NAME: until LOG matches the regex ERE, PID alive.
wait_ready() {
	local pid=$1 log=$2 pat=$3 secs=$4 name=$5 i
	for i in $(seq $((secs * 20))); do
		grep -qE -- "$pat" "$log" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || { tail -n 20 "$log" >&2; die "$name exited during start-up"; }
		sleep 0.05
	done
	tail -n 20 "$log" >&2
	die "$name not ready after ${secs}s"
}

# wait_http URL SECONDS NAME PID: until URL answers at all.
wait_http() {
	local i
	for i in $(seq $(($2 * 20))); do
		curl -sk -o /dev/null --max-time 1 "$1" && return 0
		kill -0 "$4" 2>/dev/null || die "$3 exited during start-up"
		sleep 0.05
	done
	die "$3 does not answer on $1"
}

declare -A url pid_of wurl token
targets=(bulwark nginx fastify fastify-1)
protos=(tls plain)
# GET /v1/whoami, TLS only: bulwark with and without its verified-token cache
token_targets=(bulwark bulwark-nocache nginx fastify fastify-1)
scheme() { if [ "$1" = tls ]; then echo https; else echo http; fi; }

# --- bulwark -----------------------------------------------------------------
# docs/config.md: per-IP and total connection caps raised above wrk's and the idle
# test's connection counts; the IP rate limit raised so that no request is refused,
# while every request still goes through the limiter. whoami is an API scope
# clients may be granted; access tokens live an hour, past the end of the run.
# start_bulwark PROTO NAME [TOKEN_CACHE]: TOKEN_CACHE is oauth.token_cache (the
# default, 10000 entries, when not given; 0 turns the cache off).
start_bulwark() {
	local proto=$1 name=$2 cache=${3:-} d=$W/$2-$1 port
	port=$(freeport)
	mkdir -p "$d/data"
	chmod 700 "$d/data"
	cat >"$d/bench.ini" <<-EOF
		[limits]
		per_ip_connections = $((idle_n * 2 + 24))
		max_connections = $((idle_n * 4 + 48))
		[ratelimit]
		ip_rate = $rl_rate
		ip_burst = $rl_rate
		ip_period = ${rl_period}s
		[oauth]
		api_scopes = whoami
		access_token_ttl = 1h
	EOF
	[ -n "$cache" ] && echo "token_cache = $cache" >>"$d/bench.ini"
	"$bin" serve --dev --data-dir "$d/data" --listen "$(scheme "$proto")://127.0.0.1:$port" \
		--config "$d/bench.ini" >"$d/stdout.log" 2>"$d/stderr.log" &
	pid_of[$name-$proto]=$!
	pids+=("$!")
	wait_ready "$!" "$d/stderr.log" '"event" ?: ?"ready"' 60 "$name ($proto)"
	url[$name-$proto]="$(scheme "$proto")://127.0.0.1:$port/v1/ping"
	wurl[$name-$proto]="$(scheme "$proto")://127.0.0.1:$port/v1/whoami"
}

# bulwark_token NAME: an access token for GET /v1/whoami from the running TLS
# instance NAME, the way a real client gets one: a confidential client registered
# with `bulwark client add` (client_credentials, scope whoami), then POST
# /oauth2/token with its id and secret (HTTP Basic).
bulwark_token() {
	local name=$1 d=$W/$1-tls origin id secret
	origin=${url[$name-tls]%/v1/ping}
	"$bin" client add --data-dir "$d/data" --config "$d/bench.ini" --name bench \
		--redirect-uri https://127.0.0.1/callback --scope whoami --grant client_credentials \
		>"$d/client.json" 2>"$d/client.log" || { cat "$d/client.log" >&2; die "$name: bulwark client add failed"; }
	id=$("$PY" -c 'import json,sys;print(json.load(open(sys.argv[1]))["client_id"])' "$d/client.json")
	secret=$("$PY" -c 'import json,sys;print(json.load(open(sys.argv[1]))["client_secret"])' "$d/client.json")
	curl -sk --max-time 10 -u "$id:$secret" -d grant_type=client_credentials -d scope=whoami \
		-o "$d/token.json" "$origin/oauth2/token" || die "$name: POST /oauth2/token failed"
	token[$name]=$("$PY" "$REPORT" token "$d/token.json") || die "$name: no access token for scope whoami"
}

# --- nginx ---------------------------------------------------------------------
# RateLimit-Policy / RateLimit: the values bulwark sent, so the bytes match.
start_nginx() {
	local proto=$1 d=$W/nginx-$1 port keep drop
	port=$(freeport)
	mkdir -p "$d"
	if [ "$proto" = tls ]; then keep=tls drop=plain; else keep=plain drop=tls; fi
	sed -e "/#$drop\$/d" -e "s/[[:space:]]*#$keep\$//" \
		-e "s|@DIR@|$d|g" -e "s|@PORT@|$port|g" -e "s|@CERT@|$cert|g" -e "s|@KEY@|$key|g" \
		-e "s|@RL_RATE@|$((rl_rate / rl_period))|g" -e "s|@RL_BURST@|$rl_rate|g" \
		-e "s|@RL_POLICY@|$rl_policy|g" -e "s|@RL_STATE@|$rl_state|g" \
		-e "s|@PERMISSIONS_POLICY@|$perm_policy|g" -e "s|@WHOAMI_BODY@|$whoami_body|g" \
		bench/nginx.conf.in >"$d/nginx.conf"
	grep -q '@[A-Z_]*@' "$d/nginx.conf" && die "nginx.conf.in has an unfilled field"
	nginx -t -q -p "$d" -c "$d/nginx.conf" -e "$d/error.log" || die "nginx rejected its config"
	nginx -p "$d" -c "$d/nginx.conf" -e "$d/error.log" >"$d/stdout.log" 2>&1 &
	pid_of[nginx-$proto]=$!
	pids+=("$!")
	url[nginx-$proto]="$(scheme "$proto")://127.0.0.1:$port/v1/ping"
	wurl[nginx-$proto]="$(scheme "$proto")://127.0.0.1:$port/v1/whoami"
	wait_http "${url[nginx-$proto]}" 10 "nginx ($proto)" "$!"
}

# --- Fastify -------------------------------------------------------------------
start_fastify() {
	local proto=$1 workers=$2 name=$3 d=$W/$3-$1 port
	port=$(freeport)
	mkdir -p "$d"
	local tlsenv=()
	# over TLS it also serves GET /v1/whoami, verifying bulwark's tokens
	[ "$proto" = tls ] && tlsenv=(TLS_CERT="$cert" TLS_KEY="$key"
		JWKS_FILE="$W/jwks.json" JWT_ISSUER="$jwt_iss" JWT_AUDIENCE="$jwt_aud")
	env PORT="$port" WORKERS="$workers" RL_MAX="$rl_rate" RL_WINDOW_MS=$((rl_period * 1000)) \
		PERMISSIONS_POLICY="$perm_policy" \
		"${tlsenv[@]}" NODE_ENV=production node bench/fastify/server.js >"$d/stdout.log" 2>&1 &
	pid_of[$name-$proto]=$!
	pids+=("$!")
	wait_ready "$!" "$d/stdout.log" '^ready$' 30 "$name ($proto)"
	url[$name-$proto]="$(scheme "$proto")://127.0.0.1:$port/v1/ping"
	wurl[$name-$proto]="$(scheme "$proto")://127.0.0.1:$port/v1/whoami"
}

raw=$W/raw
mkdir -p "$raw/wrk" "$raw/check" "$raw/mem" "$raw/tls"
"$PY" "$REPORT" loadavg >"$raw/loadavg-start"

say "starting servers"
start_bulwark tls bulwark
cert=$W/bulwark-tls/data/tls/cert.pem
key=$W/bulwark-tls/data/tls/key.pem
if [ ! -s "$cert" ] || [ ! -s "$key" ]; then die "bulwark did not write its certificate to data/tls/"; fi
start_bulwark plain bulwark
start_bulwark tls bulwark-nocache 0

# Each TLS bulwark issues its own token; Fastify and nginx get the cached one's.
# Fastify verifies against bulwark's JWKS, with the token's issuer and audience
# (read from the token bulwark just issued, then required of every token).
for b in bulwark bulwark-nocache; do bulwark_token "$b"; done
curl -sk --max-time 10 -o "$W/jwks.json" "${url[bulwark-tls]%/v1/ping}/.well-known/jwks.json" \
	|| die "bulwark does not serve its JWKS"
jwt_iss=$("$PY" "$REPORT" claim "${token[bulwark]}" iss)
jwt_aud=$("$PY" "$REPORT" claim "${token[bulwark]}" aud)
[ "$jwt_iss" = "${url[bulwark-tls]%/v1/ping}" ] || die "bulwark's token names issuer '$jwt_iss'"

# The Permissions-Policy and RateLimit headers bulwark sends, copied into the peers'
# configs (checked to be plain header text first, as they are spliced into a config file).
# The response checks below hold bulwark to the fixed values of every other header.
curl -sk --http1.1 -D "$raw/bulwark-probe.hdr" -o /dev/null "${url[bulwark-tls]}" || die "bulwark does not answer"
hdr_value() { tr -d '\r' <"$raw/bulwark-probe.hdr" | sed -n "s/^$1:[[:space:]]*//Ip" | head -n1; }
rl_policy=$(hdr_value RateLimit-Policy)
rl_state=$(hdr_value RateLimit)
perm_policy=$(hdr_value Permissions-Policy)
for v in "$rl_policy" "$rl_state" "$perm_policy"; do
	[[ $v =~ ^[][A-Za-z0-9\ \"\;=,.:_/+*()-]{1,1000}$ ]] \
		|| die "bulwark sent no usable Permissions-Policy, RateLimit-Policy or RateLimit header"
done
# The body of bulwark's /v1/whoami for its token: what nginx serves on that path
# (JSON of base64url ids: checked to hold no quote or backslash nginx would read).
curl -sk --http1.1 --max-time 5 -o "$raw/whoami-bulwark.body" -H "Authorization: Bearer ${token[bulwark]}" \
	"${wurl[bulwark-tls]}" || die "bulwark's /v1/whoami does not answer"
whoami_body=$(cat "$raw/whoami-bulwark.body")
[[ $whoami_body =~ ^\{\"kind\":\"client\",[][A-Za-z0-9\"_,:{}-]{1,1000}$ ]] \
	|| die "bulwark's /v1/whoami answered '$whoami_body'"

for proto in "${protos[@]}"; do
	start_nginx "$proto"
	start_fastify "$proto" 2 fastify
	start_fastify "$proto" 1 fastify-1
done

# --- correctness first: 200, the body, every header ----------------------------
say "checking responses"
for proto in "${protos[@]}"; do
	for t in "${targets[@]}"; do
		k=$t-$proto
		for i in 1 2; do
			curl -sk --http1.1 --max-time 5 -D "$raw/check/$k.$i.hdr" -o "$raw/check/$k.$i.body" "${url[$k]}" \
				|| die "$k: request failed"
		done
		"$PY" "$REPORT" check --proto "$proto" --name "$k" --permissions-policy "$perm_policy" \
			"$raw/check/$k".{1,2}.{hdr,body} \
			|| die "$k does not answer like bulwark's /v1/ping; not measuring it"
		if [ "$proto" = tls ]; then
			hp=${url[$k]#https://}
			hp=${hp%%/*}
			openssl s_client -connect "$hp" -brief </dev/null >"$raw/tls/$t.txt" 2>&1 || true
		fi
	done
done

# GET /v1/whoami with the token: 200 with the body the token's claims make (kind,
# sub, client_id, scopes) and every header as above. Each server that verifies
# must also refuse no token and the token with one signature character changed,
# with 401: a benchmark of a check that lets everything through measures nothing.
# nginx verifies nothing; it stands for the cost of sending the same bytes.
for t in "${token_targets[@]}"; do
	k=$t-tls
	tok=${token[$t]:-${token[bulwark]}}
	for i in 1 2; do
		curl -sk --http1.1 --max-time 5 -H "Authorization: Bearer $tok" -D "$raw/check/whoami-$k.$i.hdr" \
			-o "$raw/check/whoami-$k.$i.body" "${wurl[$k]}" || die "$k: /v1/whoami request failed"
	done
	"$PY" "$REPORT" check --proto tls --name "$k /v1/whoami" --permissions-policy "$perm_policy" \
		--token "$tok" "$raw/check/whoami-$k".{1,2}.{hdr,body} \
		|| die "$k does not answer like bulwark's /v1/whoami; not measuring it"
	[ "$t" = nginx ] && continue
	bad=${tok:0:${#tok}-8}$([ "${tok:${#tok}-8:1}" = A ] && echo B || echo A)${tok:${#tok}-7}
	for h in "" "Authorization: Bearer $bad"; do
		code=$(curl -sk --http1.1 --max-time 5 -o /dev/null -w '%{http_code}' ${h:+-H "$h"} "${wurl[$k]}") \
			|| die "$k: /v1/whoami request failed"
		[ "$code" = 401 ] || die "$k: /v1/whoami answered $code, not 401, to ${h:-no token}"
	done
done

# --- memory per idle TLS connection (fresh servers, before any load) ------------
say "memory: $idle_n idle TLS connections per server"
for t in "${targets[@]}"; do
	k=$t-tls
	hp=${url[$k]#https://}
	hp=${hp%%/*}
	"$PY" "$REPORT" idlemem --port "${hp##*:}" --conns "$idle_n" --pid "${pid_of[$k]}" >"$raw/mem/$t.json" \
		|| die "$k: idle-connection measurement failed"
done

# --- throughput and latency: warm-up, then A B C D A B C D ... -------------------
# run_wrk KEY SECONDS OUTFILE [URL TOKEN]: fails the whole run on any non-2xx/3xx
# response or connect/timeout error (a benchmark of errors measures nothing).
run_wrk() {
	local k=$1 secs=$2 f=$3 u=${4:-${url[$1]}} tok=${5:-}
	wrk -t"$threads" -c"$conns" -d"${secs}s" --latency ${tok:+-H "Authorization: Bearer $tok"} "$u" \
		>"$f" 2>&1 || { cat "$f" >&2; die "$k: wrk failed"; }
	if grep -q 'Non-2xx or 3xx responses' "$f"; then
		cat "$f" >&2
		die "$k: wrk saw non-2xx/3xx responses"
	fi
	if grep -Eq 'Socket errors: connect [1-9]|timeout [1-9]' "$f"; then
		cat "$f" >&2
		die "$k: wrk saw connect errors or timeouts"
	fi
	grep -q '^Requests/sec:' "$f" || { cat "$f" >&2; die "$k: no result from wrk"; }
}

for proto in "${protos[@]}"; do
	say "$proto: warm-up, ${warmup}s per server"
	for t in "${targets[@]}"; do
		run_wrk "$t-$proto" "$warmup" "$raw/wrk/warmup-$t-$proto.txt"
	done
	for r in $(seq "$reps"); do
		say "$proto: round $r of $reps (${duration}s per server)"
		for t in "${targets[@]}"; do
			run_wrk "$t-$proto" "$duration" "$raw/wrk/$proto-$t-$r.txt"
		done
	done
done

# GET /v1/whoami over TLS, the same way; each server with the token it checked above.
say "whoami: warm-up, ${warmup}s per server"
for t in "${token_targets[@]}"; do
	run_wrk "$t-tls" "$warmup" "$raw/wrk/warmup-whoami-$t.txt" "${wurl[$t-tls]}" "${token[$t]:-${token[bulwark]}}"
done
for r in $(seq "$reps"); do
	say "whoami: round $r of $reps (${duration}s per server)"
	for t in "${token_targets[@]}"; do
		run_wrk "$t-tls" "$duration" "$raw/wrk/whoami-$t-$r.txt" "${wurl[$t-tls]}" "${token[$t]:-${token[bulwark]}}"
	done
done

# Every server must still be up: a crash under load is a failed run.
for k in "${!pid_of[@]}"; do
	kill -0 "${pid_of[$k]}" 2>/dev/null || die "$k died during the run"
done
"$PY" "$REPORT" loadavg >"$raw/loadavg-end"

# --- in-process micro-benchmarks (built beside bulwark; each prints markdown) ----
mkdir -p "$raw/micro"
jwt_micro=$(dirname "$bin")/jwt_micro
[ -x "$jwt_micro" ] || die "$jwt_micro is missing (it is built with bulwark)"
say "jwt: verification micro-benchmark"
"$jwt_micro" >"$raw/micro/jwt.md" || die "jwt_micro failed"

echo $((EPOCHSECONDS - t_start)) >"$raw/seconds"

mkdir -p "$out"
"$PY" "$REPORT" render --raw "$raw" --out "$out" --bulwark "$bin" \
	--threads "$threads" --conns "$conns" --duration "$duration" --reps "$reps" --idle "$idle_n"
