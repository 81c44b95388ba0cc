#!/usr/bin/python3
"""Python side of bench/run.sh: checks responses, measures memory per idle
connection, and turns the raw wrk output into the report.

    report.py loadavg
    report.py check --proto tls|plain --name NAME --permissions-policy V [--token T]
                    HDR1 BODY1 HDR2 BODY2
    report.py token TOKEN_JSON        (the access_token of a token endpoint answer)
    report.py claim TOKEN NAME        (one claim of a token, unverified)
    report.py idlemem --port PORT --conns N --pid PID
    report.py render --raw DIR --out DIR --bulwark BIN --threads T --conns C
                     --duration S --reps R --idle N

Only the standard library; run with Debian's /usr/bin/python3.
"""

import argparse
import concurrent.futures
import datetime
import json
import os
import re
import socket
import ssl
import statistics
import subprocess
import sys
import time

# --------------------------------------------------------------------------
# check: the response must be bulwark's /v1/ping, byte for byte where it matters

BODY = b'{"pong":true}'


def b64u_json(seg):
    import base64

    return json.loads(base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4)))


def token_claims(token):
    """The claims of a compact JWS, unverified (the benchmark's own token, to know
    what the servers must answer and check)."""
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("not a compact JWS")
    return b64u_json(parts[1])


def whoami_body(token):
    """What GET /v1/whoami answers for token: bulwark's bytes (docs/api.md)."""
    c = token_claims(token)
    doc = {
        "kind": "client" if c["sub"] == c["client_id"] else "user",
        "sub": c["sub"],
        "client_id": c["client_id"],
        "scopes": c["scope"].split(" ") if c.get("scope") else [],
    }
    return json.dumps(doc, separators=(",", ":")).encode()

# Headers whose value must be exactly this (case of the value matters).
EXACT = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "cache-control": "no-store",
}
HSTS = "max-age=63072000; includeSubDomains"
CSP = ["default-src 'none'", "frame-ancestors 'none'"]
REQUEST_ID = re.compile(r"^[A-Za-z0-9_-]{22}$")
SINGLE = list(EXACT) + [
    "content-security-policy",
    "permissions-policy",
    "strict-transport-security",
    "x-request-id",
    "content-type",
    "ratelimit-policy",
    "ratelimit",
]


def parse_head(raw):
    """Parse a curl -D dump: (status code, {lower-case name: [values]})."""
    text = raw.decode("latin-1")
    lines = text.split("\r\n")
    m = re.match(r"^HTTP/1\.1 (\d{3}) ", lines[0] + " ")
    if not m:
        raise ValueError("not an HTTP/1.1 status line: %r" % lines[0][:80])
    headers = {}
    for line in lines[1:]:
        if line == "":
            break
        name, sep, value = line.partition(":")
        if not sep or not re.match(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", name):
            raise ValueError("malformed header line: %r" % line[:80])
        headers.setdefault(name.lower(), []).append(value.strip(" \t"))
    return int(m.group(1)), headers


# At least these features are denied; the exact list is bulwark's, and the peers
# are configured with the value bulwark sent (report.py check --permissions-policy).
PERMISSIONS_MIN = ["camera", "microphone", "geolocation", "payment", "usb"]


def check_one(proto, head, body, permissions, want_body=BODY):
    """Return the list of problems with one response (empty: it is right)."""
    problems = []
    status, h = parse_head(head)
    if status != 200:
        problems.append("status %d, not 200" % status)
    if body != want_body:
        problems.append("body %r, not %r" % (body[:120], want_body[:120]))
    for name in SINGLE:
        if len(h.get(name, [])) > 1:
            problems.append("%s sent %d times" % (name, len(h[name])))

    def one(name):
        v = h.get(name)
        return v[0] if v else None

    ctype = one("content-type") or ""
    if ctype.split(";")[0].strip().lower() != "application/json":
        problems.append("Content-Type %r, not application/json" % ctype)
    for name, want in EXACT.items():
        if one(name) != want:
            problems.append("%s: %r, want %r" % (name, one(name), want))
    pp = one("permissions-policy")
    if pp != permissions:
        problems.append("Permissions-Policy: %r, want %r" % (pp, permissions))
    # helmet writes the directives without a space after ';' — the same policy
    csp = one("content-security-policy")
    if csp is None or [d.strip() for d in csp.split(";") if d.strip()] != CSP:
        problems.append("Content-Security-Policy: %r, want %r" % (csp, "; ".join(CSP)))
    hsts = one("strict-transport-security")
    if proto == "tls" and hsts != HSTS:
        problems.append("Strict-Transport-Security: %r, want %r" % (hsts, HSTS))
    if proto == "plain" and hsts is not None:
        problems.append("Strict-Transport-Security over plain HTTP: %r" % hsts)
    rid = one("x-request-id")
    if rid is None or not REQUEST_ID.match(rid):
        problems.append("X-Request-Id %r is not 22 characters of [A-Za-z0-9_-]" % rid)
    for name in ("ratelimit-policy", "ratelimit"):
        if not one(name):
            problems.append("no %s header" % name)
    return problems, rid


def cmd_check(a):
    heads = [open(p, "rb").read() for p in (a.hdr1, a.hdr2)]
    bodies = [open(p, "rb").read() for p in (a.body1, a.body2)]
    problems = []
    ids = []
    want = whoami_body(a.token) if a.token else BODY
    for head, body in zip(heads, bodies):
        try:
            p, rid = check_one(a.proto, head, body, a.permissions_policy, want)
        except ValueError as e:
            p, rid = [str(e)], None
        problems += p
        ids.append(rid)
    denied = [d.strip() for d in a.permissions_policy.split(",")]
    for feature in PERMISSIONS_MIN:
        if feature + "=()" not in denied:
            problems.append("Permissions-Policy does not deny %s" % feature)
    if ids[0] is not None and ids[0] == ids[1]:
        problems.append("two requests got the same X-Request-Id %r" % ids[0])
    if problems:
        for p in dict.fromkeys(problems):
            print("bench: %s: %s" % (a.name, p), file=sys.stderr)
        return 1
    return 0


def cmd_token(a):
    """The access token of a token endpoint's JSON answer, which must be a Bearer
    token granted scope whoami."""
    with open(a.file) as f:
        doc = json.load(f)
    tok = doc.get("access_token")
    if not isinstance(tok, str) or doc.get("token_type", "").lower() != "bearer":
        print("bench: no Bearer access_token in %r" % doc, file=sys.stderr)
        return 1
    if "whoami" not in doc.get("scope", "").split(" "):
        print("bench: the token was not granted scope whoami: %r" % doc.get("scope"), file=sys.stderr)
        return 1
    if not re.match(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$", tok):
        print("bench: the access token is not a compact JWS", file=sys.stderr)
        return 1
    print(tok)
    return 0


def cmd_claim(a):
    v = token_claims(a.token).get(a.name)
    if not isinstance(v, str):
        print("bench: the token has no string claim %s" % a.name, file=sys.stderr)
        return 1
    print(v)
    return 0


# --------------------------------------------------------------------------
# idlemem: RSS added by N idle keep-alive TLS connections, each after one request


def tree_pids(root):
    """root and all its descendants, from /proc/*/stat."""
    children = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                stat = f.read()
        except OSError:
            continue
        # the command name may hold spaces and parentheses: split after the last ')'
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(d))
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def rss_kib(root):
    total = 0
    for p in tree_pids(root):
        try:
            with open("/proc/%d/status" % p) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass  # a process that just exited holds no memory
    return total


def open_idle(port, ctx):
    """One TLS connection that has sent one keep-alive request and read its answer."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    t = ctx.wrap_socket(s, server_hostname="127.0.0.1")
    t.sendall(
        b"GET /v1/ping HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: keep-alive\r\n\r\n" % port
    )
    buf = b""
    while BODY not in buf:
        chunk = t.recv(65536)
        if not chunk:
            raise OSError("server closed the connection")
        buf += chunk
        if len(buf) > 65536:
            raise OSError("answer too long")
    if not buf.startswith(b"HTTP/1.1 200 "):
        raise OSError("answer is not 200: %r" % buf[:40])
    return t


def cmd_idlemem(a):
    # The benchmark measures, it does not authenticate: the peer is our own
    # self-signed server on loopback, so the certificate is not verified.
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    # Warm-up: lazily built state (session caches, code paths) is not per connection.
    # These 16 are opened one after another, which also times a new connection: TCP
    # and TLS handshake, one request, its answer.
    setup_ms = []
    for _ in range(16):
        t0 = time.monotonic()
        t = open_idle(a.port, ctx)
        setup_ms.append((time.monotonic() - t0) * 1e3)
        t.close()
    time.sleep(1.0)
    before = rss_kib(a.pid)
    conns = []
    try:
        # Opened 16 at a time, so that all are up within a second or two: a server may
        # rightly close a keep-alive connection that stays idle for long (bulwark: the
        # request-head deadline), and this measures memory, not that timeout.
        t0 = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
            futures = [pool.submit(open_idle, a.port, ctx) for _ in range(a.conns)]
            for f in futures:
                try:
                    conns.append(f.result())
                except OSError as e:
                    print("bench: connection failed: %s" % e, file=sys.stderr)
        open_s = time.monotonic() - t0
        if len(conns) != a.conns:
            return 1
        time.sleep(1.0)
        after = rss_kib(a.pid)
        # every connection must still be open: a server that dropped them saved nothing
        alive = 0
        for t in conns:
            t.setblocking(False)
            try:
                alive += t.recv(1) != b""
            except (ssl.SSLWantReadError, BlockingIOError):
                alive += 1
            except OSError:
                pass
    finally:
        for t in conns:
            t.close()
    if alive != a.conns:
        print("bench: only %d of %d idle connections stayed open" % (alive, a.conns), file=sys.stderr)
        return 1
    json.dump(
        {
            "conns": a.conns,
            "rss_before_kib": before,
            "rss_after_kib": after,
            "bytes_per_conn": (after - before) * 1024 / a.conns,
            "processes": len(tree_pids(a.pid)),
            "new_conn_ms_median": statistics.median(setup_ms),
            "open_all_s": open_s,
        },
        sys.stdout,
    )
    print()
    return 0


# --------------------------------------------------------------------------
# render: the report

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}
SIZES = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}


def parse_wrk(path):
    text = open(path).read()

    def lat(pct):
        m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s|m)\s*$" % pct, text, re.M)
        if not m:
            raise ValueError("%s: no %s%% latency" % (path, pct))
        return float(m.group(1)) * UNITS[m.group(2)]

    rps = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    tot = re.search(r"^\s+(\d+) requests in [\d.]+\w+, ([\d.]+)(B|KB|MB|GB|TB) read", text, re.M)
    if not rps or not tot:
        raise ValueError("%s: not a wrk result" % path)
    errs = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    return {
        "rps": float(rps.group(1)),
        "p50_ms": lat(50),
        "p99_ms": lat(99),
        "requests": int(tot.group(1)),
        "bytes_per_response": float(tot.group(2)) * SIZES[tot.group(3)] / max(1, int(tot.group(1))),
        "socket_errors": sum(int(x) for x in errs.groups()) if errs else 0,
    }


def run(cmd):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        return (p.stdout + p.stderr).strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def first_line(s):
    return s.splitlines()[0] if s else "unknown"


def dpkg_version(pkg):
    return run(["dpkg-query", "-W", "-f=${Version}", pkg]) or "not installed"


def npm_version(here, pkg):
    try:
        with open(os.path.join(here, "fastify", "node_modules", pkg, "package.json")) as f:
            return json.load(f)["version"]
    except (OSError, ValueError, KeyError):
        return "unknown"


def machine(bulwark, here):
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "unknown"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = "%.1f GiB" % (int(line.split()[1]) / 1024**2)
    os_name = "unknown"
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    os_name = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    u = os.uname()
    return {
        "cpus (nproc)": str(os.cpu_count() if not hasattr(os, "sched_getaffinity") else len(os.sched_getaffinity(0))),
        "cpu model": cpu,
        "memory": mem,
        "kernel": "%s %s %s" % (u.sysname, u.release, u.machine),
        "os": os_name,
        "bulwark": first_line(run([bulwark, "--version"])),
        "libmicrohttpd": dpkg_version("libmicrohttpd12"),
        "gnutls": dpkg_version("libgnutls30"),
        "nginx": first_line(run(["nginx", "-v"])).replace("nginx version: ", ""),
        "openssl (nginx, wrk)": first_line(run(["openssl", "version"])),
        "node": first_line(run(["node", "--version"])),
        "node's own openssl": first_line(run(["node", "-p", "process.versions.openssl"])),
        "fastify": npm_version(here, "fastify"),
        "@fastify/helmet": npm_version(here, "@fastify/helmet"),
        "@fastify/rate-limit": npm_version(here, "@fastify/rate-limit"),
        "fast-jwt": npm_version(here, "fast-jwt"),
        "wrk": first_line(run(["wrk", "-v"])).split(" [")[0],
        "gnuplot": first_line(run(["gnuplot", "--version"])),
    }


TARGETS = [
    ("bulwark", "bulwark"),
    ("nginx", "nginx, 2 workers"),
    ("fastify", "Fastify, cluster of 2"),
    ("fastify-1", "Fastify, 1 process"),
]
PROTOS = [("tls", "TLS 1.3"), ("plain", "plain HTTP")]
# GET /v1/whoami with a Bearer token, over TLS
TOKEN_TARGETS = [
    ("bulwark", "bulwark, token cache on"),
    ("bulwark-nocache", "bulwark, token cache off"),
    ("nginx", "nginx, 2 workers (no verification)"),
    ("fastify", "Fastify + fast-jwt (cache on), cluster of 2"),
    ("fastify-1", "Fastify + fast-jwt (cache on), 1 process"),
]
# the targets: (endpoint, ≥ this × nginx, ≥ this × Fastify)
PING_TARGET = (0.8, 10.0)
TOKEN_TARGET = (0.7, 10.0)


def summarize(runs):
    def med_range(key):
        xs = [r[key] for r in runs]
        return {"median": statistics.median(xs), "min": min(xs), "max": max(xs)}

    return {
        "rps": med_range("rps"),
        "p50_ms": med_range("p50_ms"),
        "p99_ms": med_range("p99_ms"),
        "bytes_per_response": statistics.median(r["bytes_per_response"] for r in runs),
        "socket_errors": sum(r["socket_errors"] for r in runs),
        "runs": runs,
    }


def fmt_rps(x):
    return "{:,.0f}".format(x)


def fmt_ms(x):
    return "%.2f" % x if x < 10 else "%.1f" % x


def ratio(b, p):
    """Ratio of medians and the span over all pairs of runs."""
    mid = b["median"] / p["median"]
    return mid, b["min"] / p["max"], b["max"] / p["min"]


def wrk_table(r, targets, base):
    """The markdown table of one endpoint's wrk results, ratios against base."""
    L = []
    L.append("| server | req/s | p50 ms | p99 ms | bytes/response | %s ÷ this (req/s) |" % base)
    L.append("|---|---:|---:|---:|---:|---:|")
    for t, label in targets:
        s = r[t]
        if t == base:
            rt = "—"
        else:
            mid, lo, hi = ratio(r[base]["rps"], s["rps"])
            rt = "**%.2f×** [%.2f–%.2f]" % (mid, lo, hi)
        L.append(
            "| %s | %s [%s–%s] | %s [%s–%s] | %s [%s–%s] | %.0f | %s |"
            % (
                label,
                fmt_rps(s["rps"]["median"]), fmt_rps(s["rps"]["min"]), fmt_rps(s["rps"]["max"]),
                fmt_ms(s["p50_ms"]["median"]), fmt_ms(s["p50_ms"]["min"]), fmt_ms(s["p50_ms"]["max"]),
                fmt_ms(s["p99_ms"]["median"]), fmt_ms(s["p99_ms"]["min"]), fmt_ms(s["p99_ms"]["max"]),
                s["bytes_per_response"], rt,
            )
        )
    L.append("")
    return L


def target_rows(endpoint, r, base, fb, goal, labels, judged=True):
    """Two rows of the targets table: base against nginx and the faster Fastify."""
    rows = []
    for peer, want, what in (("nginx", goal[0], "nginx"),
                             (fb, goal[1], "Fastify (its faster setup: %s)" % labels[fb])):
        mid, lo, hi = ratio(r[base]["rps"], r[peer]["rps"])
        met = ("yes" if mid >= want else "**no**") if judged else "(reported)"
        rows.append("| %s | ≥ %g× %s | %.2f× [%.2f–%.2f] | %s |" % (endpoint, want, what, mid, lo, hi, met))
    return rows


def cmd_render(a):
    here = os.path.dirname(os.path.abspath(__file__))
    raw = a.raw
    res = {}
    for proto, targets in [(p, TARGETS) for p, _ in PROTOS] + [("whoami", TOKEN_TARGETS)]:
        res[proto] = {}
        for t, _ in targets:
            runs = [parse_wrk(os.path.join(raw, "wrk", "%s-%s-%d.txt" % (proto, t, r))) for r in range(1, a.reps + 1)]
            res[proto][t] = summarize(runs)
    mem = {}
    for t, _ in TARGETS:
        with open(os.path.join(raw, "mem", t + ".json")) as f:
            mem[t] = json.load(f)
    tls_info = {}
    for t, _ in TARGETS:
        try:
            text = open(os.path.join(raw, "tls", t + ".txt")).read()
        except OSError:
            text = ""
        pv = re.search(r"Protocol version: (\S+)", text)
        cs = re.search(r"Ciphersuite: (\S+)", text)
        tk = re.search(r"Server Temp Key: ([^\n]+)", text)
        tls_info[t] = " ".join(x.group(1).strip() for x in (pv, cs, tk) if x) or "unknown"
    load = [open(os.path.join(raw, n)).read().strip() for n in ("loadavg-start", "loadavg-end")]
    seconds = open(os.path.join(raw, "seconds")).read().strip()
    m = machine(a.bulwark, here)
    now = datetime.datetime.now(datetime.timezone.utc)
    day = now.strftime("%Y-%m-%d")
    md_path = os.path.join(a.out, day + ".md")
    png_name = day + ".png"

    L = []
    L.append("# bulwark side-by-side benchmark, %s" % day)
    L.append("")
    L.append(
        "`GET /v1/ping` → `{\"pong\":true}` with bulwark's full response headers (over TLS and "
        "plain HTTP), and `GET /v1/whoami` with a Bearer access token (over TLS), measured with "
        "`wrk -t%d -c%d -d%ds --latency` on loopback, %d run(s) per server interleaved "
        "(A B C D A B C D …) after a warm-up; median, range in brackets. All servers and wrk share "
        "the same %s CPUs. Run at %s UTC; took %s s." % (
            a.threads, a.conns, a.duration, a.reps, m["cpus (nproc)"], now.strftime("%H:%M"), seconds))
    L.append("")
    L.append("![requests per second](%s)" % png_name)
    L.append("")

    fbest = {}
    for proto, plabel in PROTOS:
        r = res[proto]
        fbest[proto] = max(("fastify", "fastify-1"), key=lambda t: r[t]["rps"]["median"])
        L.append("## GET /v1/ping, %s" % plabel)
        L.append("")
        L += wrk_table(r, TARGETS, "bulwark")

    L.append("## GET /v1/whoami with a Bearer EdDSA access token, TLS 1.3")
    L.append("")
    L.append(
        "One access token per bulwark instance, obtained as a client does: a confidential client "
        "registered with `bulwark client add` (grant client_credentials, scope `whoami`), then "
        "`POST /oauth2/token`; wrk sends it as `Authorization: Bearer` on every request. bulwark "
        "verifies it (EdDSA signature, typ at+jwt, iss, aud, exp/nbf/iat, its own claims, the jti "
        "denylist on every request, cached or not), checks the route's scope, counts the request "
        "against the IP rate limit, and answers `{\"kind\",\"sub\",\"client_id\",\"scopes\"}` "
        "with every security header. \"token cache off\" is a second instance started with "
        "`oauth.token_cache = 0`: every request verifies the signature. Fastify verifies the same "
        "token with fast-jwt (EdDSA only, the public key from bulwark's JWKS, typ, iss, aud, exp, "
        "the required claims, then the scope) with fast-jwt's verification cache on, as a tuned "
        "deployment runs it. **nginx does not verify anything**: it answers the same bytes "
        "whatever the request carries, the cost of the answer alone.")
    L.append("")
    rw = res["whoami"]
    fbest["whoami"] = max(("fastify", "fastify-1"), key=lambda t: rw[t]["rps"]["median"])
    L += wrk_table(rw, TOKEN_TARGETS, "bulwark")
    cached = rw["bulwark"]["rps"]["median"]
    uncached = rw["bulwark-nocache"]["rps"]["median"]
    L.append(
        "Without the token cache bulwark verifies an Ed25519 signature per request: %s req/s, "
        "%.2f× the cached figure; the ratios against it are in the targets table below."
        % (fmt_rps(uncached), uncached / cached))
    L.append("")

    L.append("## Targets (TLS)")
    L.append("")
    L.append("| endpoint | target | measured (ratio of medians [worst pair – best pair]) | met? |")
    L.append("|---|---|---|---|")
    L += target_rows("`GET /v1/ping`", res["tls"], "bulwark", fbest["tls"], PING_TARGET, dict(TARGETS))
    L += target_rows("`GET /v1/whoami`, token cache on", rw, "bulwark", fbest["whoami"], TOKEN_TARGET,
                     dict(TOKEN_TARGETS))
    L += target_rows("`GET /v1/whoami`, token cache off", rw, "bulwark-nocache", fbest["whoami"],
                     TOKEN_TARGET, dict(TOKEN_TARGETS), judged=False)
    rp = res["plain"]
    pn = ratio(rp["bulwark"]["rps"], rp["nginx"]["rps"])[0]
    pf = ratio(rp["bulwark"]["rps"], rp[fbest["plain"]]["rps"])[0]
    L.append("")
    L.append(
        "The token cache off is reported, not judged (the targets are the cached figures). "
        "`GET /v1/ping` over plain HTTP, for comparison: %.2f× nginx, %.2f× Fastify (%s)."
        % (pn, pf, dict(TARGETS)[fbest["plain"]]))
    L.append("")

    L.append("## Memory per idle TLS connection")
    L.append("")
    L.append(
        "%d keep-alive TLS connections, each after one request, held open on a fresh server "
        "(16 connections opened and closed first); the server's RSS (VmRSS summed over all its "
        "processes) after minus before, divided by %d. The last column is the median time of "
        "those 16 warm-up connections, opened one at a time: TCP and TLS handshake, one request, "
        "its answer (Python client)." % (a.idle, a.idle))
    L.append("")
    L.append("| server | processes | RSS before | RSS with %d idle | per connection | new connection + first request |" % a.idle)
    L.append("|---|---:|---:|---:|---:|---:|")
    for t, label in TARGETS:
        x = mem[t]
        L.append(
            "| %s | %d | %.1f MiB | %.1f MiB | %.1f KiB | %.1f ms |"
            % (label, x["processes"], x["rss_before_kib"] / 1024, x["rss_after_kib"] / 1024,
               x["bytes_per_conn"] / 1024, x["new_conn_ms_median"])
        )
    L.append("")

    # micro-benchmarks run.sh collected (markdown each, e.g. jwt_micro's table)
    micro = os.path.join(raw, "micro")
    if os.path.isdir(micro):
        parts = [open(os.path.join(micro, n)).read().strip() for n in sorted(os.listdir(micro)) if n.endswith(".md")]
        if parts:
            L.append("## Micro-benchmarks")
            L.append("")
            for text in parts:
                L.append(text)
                L.append("")

    L.append("## Machine")
    L.append("")
    L.append("| | |")
    L.append("|---|---|")
    for k, v in m.items():
        L.append("| %s | %s |" % (k, v.replace("|", "/")))
    L.append("| load average (1 5 15 min) at start / end | %s / %s |" % (load[0], load[1]))
    for t, label in TARGETS:
        L.append("| TLS negotiated by %s | %s |" % (label, tls_info[t]))
    L.append("")
    L.append(
        "The machine is shared and noisy: quote the ratios, which come from interleaved runs in "
        "one session, not the absolute numbers. bench/README.md describes the setup of each server."
    )
    L.append("")

    os.makedirs(a.out, exist_ok=True)
    with open(md_path, "w") as f:
        f.write("\n".join(L))
    with open(os.path.join(a.out, day + ".json"), "w") as f:
        json.dump(
            {"date": now.isoformat(timespec="seconds"), "machine": m, "wrk": {"threads": a.threads, "conns": a.conns,
             "duration_s": a.duration, "reps": a.reps}, "results": res, "idle_memory": mem, "tls": tls_info,
             "loadavg": load},
            f, indent=1, sort_keys=True)
        f.write("\n")
    plot(res, os.path.join(a.out, png_name), a.raw, day)
    print(md_path)
    return 0


def plot(res, png, scratch, day):
    """Two histograms side by side: /v1/ping (TLS, plain) and /v1/whoami (TLS)."""
    colors = {"bulwark": "#1f5fa8", "bulwark-nocache": "#7fa6d6", "nginx": "#2a9d4b",
              "fastify": "#d98a1c", "fastify-1": "#e8c07a"}
    panels = [
        ("GET /v1/ping", TARGETS, [(p, label) for p, label in PROTOS]),
        ("GET /v1/whoami, Bearer token", TOKEN_TARGETS, [("whoami", "TLS 1.3")]),
    ]
    script = [
        "set terminal pngcairo size 1200,600 font 'sans,10'",
        "set output '%s'" % png,
        "set multiplot layout 1,2 title 'wrk -c64, %s: requests per second (median, bars: range)'" % day,
        "set style data histogram",
        "set style histogram errorbars gap 2 lw 1",
        "set style fill solid 0.9 border -1",
        "set boxwidth 0.9",
        "set grid ytics",
        "set yrange [0:*]",
        "set format y '%.0s%c'",
        "set ylabel 'requests/s'",
        "set key below font ',9'",
    ]
    for n, (title, targets, groups) in enumerate(panels):
        dat = os.path.join(scratch, "plot-%d.dat" % n)
        with open(dat, "w") as f:
            f.write("# group " + " ".join("%s_med %s_min %s_max" % (t, t, t) for t, _ in targets) + "\n")
            for key, glabel in groups:
                cols = []
                for t, _ in targets:
                    x = res[key][t]["rps"]
                    cols += ["%.1f" % x["median"], "%.1f" % x["min"], "%.1f" % x["max"]]
                f.write('"%s" %s\n' % (glabel, " ".join(cols)))
        series = ", ".join(
            "'%s' using %d:%d:%d%s title '%s' lc rgb '%s'"
            % (dat, 2 + 3 * i, 3 + 3 * i, 4 + 3 * i, ":xtic(1)" if i == 0 else "", label, colors[t])
            for i, (t, label) in enumerate(targets)
        )
        script += ["set title '%s'" % title, "set xrange [-0.6:%.1f]" % (len(groups) - 0.4), "plot " + series]
    script.append("unset multiplot")
    subprocess.run(["gnuplot"], input="\n".join(script), text=True, check=True)


def cmd_loadavg(_a):
    with open("/proc/loadavg") as f:
        print(" ".join(f.read().split()[:3]))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("loadavg")
    c = sub.add_parser("check")
    c.add_argument("--proto", choices=["tls", "plain"], required=True)
    c.add_argument("--name", required=True)
    c.add_argument("--permissions-policy", required=True, help="the value every server must send")
    c.add_argument("--token", help="GET /v1/whoami with this token: the body its claims make")
    c.add_argument("hdr1")
    c.add_argument("body1")
    c.add_argument("hdr2")
    c.add_argument("body2")
    t = sub.add_parser("token")
    t.add_argument("file")
    t = sub.add_parser("claim")
    t.add_argument("token")
    t.add_argument("name")
    i = sub.add_parser("idlemem")
    i.add_argument("--port", type=int, required=True)
    i.add_argument("--conns", type=int, required=True)
    i.add_argument("--pid", type=int, required=True)
    r = sub.add_parser("render")
    r.add_argument("--raw", required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--bulwark", required=True)
    for n in ("threads", "conns", "duration", "reps", "idle"):
        r.add_argument("--" + n, type=int, required=True)
    a = ap.parse_args()
    return {"loadavg": cmd_loadavg, "check": cmd_check, "token": cmd_token, "claim": cmd_claim,
            "idlemem": cmd_idlemem, "render": cmd_render}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
