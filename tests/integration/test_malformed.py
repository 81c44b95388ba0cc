"""Malformed and hostile requests get a clean error or a closed connection,
and the server keeps serving afterwards."""
import json
import socket
import ssl
import time

import pytest
import requests


def status_of(resp):
    if not resp:
        return None
    line = resp.split(b"\r\n", 1)[0]
    parts = line.split(b" ")
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def host(server):
    return f"127.0.0.1:{server.port}".encode()


@pytest.mark.parametrize("target,expect", [
    (b"/v1/p%zzing", 400),          # bad percent-encoding
    (b"/v1/ping%00.json", 400),     # NUL
    (b"/v1/%C0%AFping", 400),       # overlong UTF-8
    (b"/v1/%ED%A0%80", 400),        # surrogate
    (b"/v1/\xff", 400),             # raw invalid byte
    (b"/v1/./ping", 400),           # dot segment
    (b"/v1/%2e%2e/healthz", 400),   # encoded dot segment
    (b"/v1%2fping", 400),           # encoded slash
    (b"//v1/ping", 400),            # empty segment
    (b"/v1/ping#x", 400),           # fragment
    (b"*", 400),                    # asterisk-form outside OPTIONS
])
def test_bad_targets(server, target, expect):
    resp = server.raw(b"GET " + target + b" HTTP/1.1\r\nHost: " + host(server) + b"\r\n\r\n")
    assert status_of(resp) == expect, resp[:200]
    assert b"x-request-id" in resp.lower()
    assert server.alive()


def test_absolute_form_with_foreign_host_refused(server):
    resp = server.raw(b"GET https://evil.example/v1/ping HTTP/1.1\r\nHost: " + host(server) +
                      b"\r\n\r\n")
    assert status_of(resp) == 400


def test_absolute_form_with_our_host_accepted(server):
    h = host(server)
    resp = server.raw(b"GET https://" + h + b"/v1/ping HTTP/1.1\r\nHost: " + h + b"\r\n\r\n")
    assert status_of(resp) == 200


@pytest.mark.parametrize("hosthdr", [b"evil.example", b"127.0.0.1:1", b"127.0.0.1.evil",
                                     b"localhost.evil:0", b""])
def test_host_allowlist(server, hosthdr):
    resp = server.raw(b"GET /v1/ping HTTP/1.1\r\nHost: " + hosthdr + b"\r\n\r\n")
    assert status_of(resp) == 400


def test_duplicate_host_refused(server):
    resp = server.raw(b"GET /v1/ping HTTP/1.1\r\nHost: " + host(server) +
                      b"\r\nHost: evil.example\r\n\r\n")
    assert status_of(resp) == 400


def test_missing_host_refused(server):
    resp = server.raw(b"GET /v1/ping HTTP/1.1\r\n\r\n")
    assert status_of(resp) == 400


def test_oversized_header(server):
    big = b"X-Big: " + b"a" * 40000 + b"\r\n"
    resp = server.raw(b"GET /v1/ping HTTP/1.1\r\nHost: " + host(server) + b"\r\n" + big + b"\r\n")
    assert status_of(resp) in (431, None)
    assert server.alive()


def test_too_many_headers(server):
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(100))
    resp = server.raw(b"GET /v1/ping HTTP/1.1\r\nHost: " + host(server) + b"\r\n" + many + b"\r\n")
    assert status_of(resp) == 431


def test_long_url(server):
    resp = server.raw(b"GET /" + b"a" * 6000 + b" HTTP/1.1\r\nHost: " + host(server) + b"\r\n\r\n")
    assert status_of(resp) in (414, None)
    assert server.alive()


def test_control_chars_in_header_value(server):
    resp = server.raw(b"GET /v1/ping HTTP/1.1\r\nHost: " + host(server) +
                      b"\r\nX-Evil: a\x01b\r\n\r\n")
    assert status_of(resp) == 400


def test_space_before_colon(server):
    resp = server.raw(b"GET /v1/ping HTTP/1.1\r\nHost: " + host(server) +
                      b"\r\nX-Evil : x\r\n\r\n")
    assert status_of(resp) == 400


def test_duplicate_content_length(server):
    req = (b"POST /v1/csp-reports HTTP/1.1\r\nHost: " + host(server) +
           b"\r\nContent-Type: application/csp-report\r\nContent-Length: 2\r\n"
           b"Content-Length: 5\r\n\r\n{}")
    assert status_of(server.raw(req)) == 400


def test_content_length_and_chunked(server):
    req = (b"POST /v1/csp-reports HTTP/1.1\r\nHost: " + host(server) +
           b"\r\nContent-Type: application/csp-report\r\nContent-Length: 2\r\n"
           b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
    assert status_of(server.raw(req)) == 400


@pytest.mark.parametrize("te", [b"identity", b"gzip, chunked", b"chunked, gzip"])
def test_odd_transfer_encoding(server, te):
    req = (b"POST /v1/csp-reports HTTP/1.1\r\nHost: " + host(server) +
           b"\r\nContent-Type: application/csp-report\r\nTransfer-Encoding: " + te +
           b"\r\n\r\n0\r\n\r\n")
    assert status_of(server.raw(req)) == 400


@pytest.mark.parametrize("cl", [b"-1", b"+3", b"0x3", b"3, 3", b"18446744073709551615",
                                b"99999999999999999999999"])
def test_bad_content_length(server, cl):
    req = (b"POST /v1/csp-reports HTTP/1.1\r\nHost: " + host(server) +
           b"\r\nContent-Type: application/csp-report\r\nContent-Length: " + cl + b"\r\n\r\n")
    assert status_of(server.raw(req)) in (400, 413)
    assert server.alive()


def test_chunked_body_needs_length(server):
    req = (b"POST /v1/csp-reports HTTP/1.1\r\nHost: " + host(server) +
           b"\r\nContent-Type: application/csp-report\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"2\r\n{}\r\n0\r\n\r\n")
    assert status_of(server.raw(req)) == 411


def test_huge_body_refused_before_upload(server):
    t0 = time.monotonic()
    req = (b"POST /v1/csp-reports HTTP/1.1\r\nHost: " + host(server) +
           b"\r\nContent-Type: application/csp-report\r\nContent-Length: 100000000\r\n\r\n")
    resp = server.raw(req)
    assert status_of(resp) == 413
    assert time.monotonic() - t0 < 3
    assert server.alive()


def test_body_on_get_refused(server):
    req = (b"GET /v1/ping HTTP/1.1\r\nHost: " + host(server) +
           b"\r\nContent-Length: 5\r\n\r\nhello")
    assert status_of(server.raw(req)) == 400


def test_wrong_content_type(server):
    r = server.request("POST", "/v1/csp-reports", data=b"{}",
                       headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    r = server.request("POST", "/v1/csp-reports", data=b"{}",
                       headers={"Content-Type": "application/csp-report; charset=latin1"})
    assert r.status_code == 415


def csp(server, body, ctype="application/csp-report"):
    return server.request("POST", "/v1/csp-reports", data=body,
                          headers={"Content-Type": ctype})


def test_csp_report_accepted(server):
    body = json.dumps({"csp-report": {"document-uri": "https://x/", "violated-directive":
                                      "script-src", "blocked-uri": "inline"}})
    r = csp(server, body)
    assert r.status_code == 204


def test_deep_json_refused(server):
    deep = '{"csp-report":' + "[" * 40 + "]" * 40 + "}"
    r = csp(server, deep)
    assert r.status_code == 400
    assert r.headers["Content-Type"] == "application/problem+json"
    very = "[" * 16000   # under the route's size cap: the depth check must catch it
    r = csp(server, very)
    assert r.status_code == 400
    assert r.json()["errors"] == [{"field": "(body)", "code": "too_deep"}]
    assert server.alive()


def test_duplicate_keys_refused(server):
    r = csp(server, '{"csp-report": {"a": 1}, "csp-report": {"b": 2}}')
    assert r.status_code == 400


def test_invalid_utf8_json_refused(server):
    r = csp(server, b'{"csp-report": {"blocked-uri": "\xff\xfe"}}')
    assert r.status_code == 400


def test_nul_in_json_refused(server):
    r = csp(server, '{"csp-report": {"blocked-uri": "a\\u0000b"}}')
    assert r.status_code == 400


def test_oversized_report_refused(server):
    # the cap is checked on the head: the 413 comes before a byte of the body
    req = (b"POST /v1/csp-reports HTTP/1.1\r\nHost: " + host(server) +
           b"\r\nContent-Type: application/csp-report\r\nContent-Length: 70000\r\n\r\n")
    assert status_of(server.raw(req)) == 413
    # a client that sends it all anyway sees the 413 or a closed connection, never a 2xx
    try:
        r = csp(server, '{"csp-report": {"x": "' + "a" * 70000 + '"}}')
        assert r.status_code == 413
    except requests.exceptions.ConnectionError:
        pass
    assert server.alive()


def test_not_json(server):
    assert csp(server, "not json").status_code == 400
    assert csp(server, '{"csp-report": {}} trailing').status_code == 400


def test_slow_drip_head_is_cut(fresh):
    s = fresh(config="[limits]\nheader_timeout = 2s\n")
    ctx = ssl.create_default_context(cafile=s.cert)
    sock = ctx.wrap_socket(socket.create_connection(("127.0.0.1", s.port), timeout=10),
                           server_hostname="localhost")
    t0 = time.monotonic()
    closed = False
    try:
        for b in b"GET /v1/ping HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 100:
            sock.sendall(bytes([b]))
            time.sleep(0.2)
            if time.monotonic() - t0 > 8:
                break
    except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
        closed = True
    if not closed:
        try:
            closed = sock.recv(100) == b""
        except (ConnectionResetError, ssl.SSLError, OSError):
            closed = True
    elapsed = time.monotonic() - t0
    sock.close()
    assert closed, "a dripping client must be cut off"
    assert elapsed < 6, elapsed
    assert s.alive()


def test_silent_client_is_cut(fresh):
    s = fresh(config="[limits]\nheader_timeout = 1500ms\n")
    sock = socket.create_connection(("127.0.0.1", s.port), timeout=10)
    t0 = time.monotonic()
    try:
        data = sock.recv(100)
    except (ConnectionResetError, OSError):
        data = b""
    assert data == b""
    assert time.monotonic() - t0 < 5
    sock.close()
    assert s.alive()


def test_per_ip_connection_cap(fresh):
    s = fresh(config="[limits]\nper_ip_connections = 4\n")
    socks = [socket.create_connection(("127.0.0.1", s.port), timeout=5) for _ in range(4)]
    extra = socket.create_connection(("127.0.0.1", s.port), timeout=5)
    try:
        extra.settimeout(3)
        try:
            got = extra.recv(10)
        except (ConnectionResetError, OSError):
            got = b""
        assert got == b"", "the connection over the per-IP cap must be dropped"
    finally:
        extra.close()
        for x in socks:
            x.close()
    time.sleep(0.3)
    assert s.alive()


def test_server_survives_garbage(server):
    for junk in (b"\x00" * 100, b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
                 b"\x16\x03\x01\x00\x00", b"A" * 70000):
        try:
            server.raw(junk, timeout=3)
        except (ssl.SSLError, OSError):
            pass
    assert server.alive()


def test_keepalive_gets_idle_timeout_not_head_deadline(fresh):
    s = fresh(config="[limits]\nheader_timeout = 1s\nidle_timeout = 20s\n")
    ctx = ssl.create_default_context(cafile=s.cert)
    sock = ctx.wrap_socket(socket.create_connection(("127.0.0.1", s.port), timeout=10),
                           server_hostname="localhost")
    req = b"GET /v1/ping HTTP/1.1\r\nHost: 127.0.0.1:" + str(s.port).encode() + b"\r\n\r\n"
    def answer():
        out = b""
        while not (b"\r\n\r\n" in out and s._complete(out)):
            chunk = sock.recv(65536)
            assert chunk, "connection closed"
            out += chunk
        return out

    try:
        sock.sendall(req)
        assert answer().startswith(b"HTTP/1.1 200")
        time.sleep(2.5)  # longer than the head deadline of a new connection
        sock.sendall(req)
        assert answer().startswith(b"HTTP/1.1 200")
    finally:
        sock.close()
