"""CORS per route, and the IP rate limiter as a client sees them."""
import time

import pytest

ORIGIN = "https://app.example"


@pytest.fixture(scope="module")
def cors_server():
    from bulwark_server import Server
    s = Server(config=f"[cors]\nallowed_origins = {ORIGIN}, https://other.example:8443\n"
                      "max_age = 300s\n[ratelimit]\nip_rate = 100000\nip_burst = 100000\n"
                      "ip_period = 1s\n")
    yield s
    s.stop()


def test_allowed_origin_gets_exact_echo(cors_server):
    r = cors_server.get("/v1/ping", headers={"Origin": ORIGIN})
    assert r.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert r.headers["Access-Control-Allow-Credentials"] == "true"
    assert "Origin" in r.headers["Vary"]


@pytest.mark.parametrize("origin", [
    "https://evil.example", "null", "http://app.example", "https://app.example.evil.org",
    "https://APP.example.", "https://app.example:444", "https://sub.app.example",
    "https://app.example/", "https://app.example%0d", "*",
])
def test_other_origins_get_nothing(cors_server, origin):
    r = cors_server.get("/v1/ping", headers={"Origin": origin})
    assert r.status_code == 200
    assert "Access-Control-Allow-Origin" not in r.headers
    assert "Access-Control-Allow-Credentials" not in r.headers
    assert "Origin" in r.headers.get("Vary", "")


def test_preflight_allowed(cors_server):
    r = cors_server.request("OPTIONS", "/v1/ping", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "x-csrf-token"})
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "GET" in r.headers["Access-Control-Allow-Methods"]
    assert "x-csrf-token" in r.headers["Access-Control-Allow-Headers"].lower()
    assert r.headers["Access-Control-Max-Age"] == "300"


def test_preflight_refused_for_other_origin(cors_server):
    r = cors_server.request("OPTIONS", "/v1/ping", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
    assert r.status_code == 403
    assert "Access-Control-Allow-Origin" not in r.headers


def test_preflight_refused_for_undeclared_method(cors_server):
    r = cors_server.request("OPTIONS", "/v1/ping", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "DELETE"})
    assert r.status_code == 403
    assert "Access-Control-Allow-Methods" not in r.headers


def test_preflight_refused_for_undeclared_header(cors_server):
    r = cors_server.request("OPTIONS", "/v1/ping", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "x-evil"})
    assert r.status_code == 403


def test_no_cors_route_never_answers_cors(cors_server):
    r = cors_server.get("/healthz", headers={"Origin": ORIGIN})
    assert "Access-Control-Allow-Origin" not in r.headers


def test_rate_limit_429_and_recovery(fresh):
    s = fresh(config="[ratelimit]\nip_rate = 5\nip_period = 2s\nip_burst = 5\n")
    codes = [s.get("/v1/ping").status_code for _ in range(8)]
    assert codes[:5] == [200] * 5, codes
    assert 429 in codes[5:], codes
    r = s.get("/v1/ping")
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) >= 1
    assert r.headers["RateLimit-Policy"].startswith('"ip";q=5;w=2')
    assert r.headers["RateLimit"].startswith('"ip";r=0')
    assert r.headers["Content-Type"] == "application/problem+json"
    assert r.json()["type"] == "/problems/rate-limited"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    time.sleep(int(r.headers["Retry-After"]) + 0.2)
    assert s.get("/v1/ping").status_code == 200


def test_forged_forwarded_for_does_not_reset_budget(fresh):
    s = fresh(config="[ratelimit]\nip_rate = 3\nip_period = 60s\nip_burst = 3\n")
    codes = [s.get("/v1/ping", headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
             for i in range(6)]
    assert codes.count(429) >= 3, codes


def test_trusted_proxy_forwarded_for(fresh):
    s = fresh(config="[server]\ntrusted_proxies = 127.0.0.1/32\n"
                     "[ratelimit]\nip_rate = 2\nip_period = 60s\nip_burst = 2\n")
    # behind a trusted proxy each forwarded client has its own budget
    for i in range(4):
        r = s.get("/v1/ping", headers={"X-Forwarded-For": f"203.0.113.{i}"})
        assert r.status_code == 200
    # and /metrics is not loopback for a forwarded client
    assert s.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 404
    # two X-Forwarded-For lines are refused rather than guessed at
    resp = s.raw(b"GET /v1/ping HTTP/1.1\r\nHost: 127.0.0.1:" + str(s.port).encode() +
                 b"\r\nX-Forwarded-For: 1.1.1.1\r\nX-Forwarded-For: 2.2.2.2\r\n\r\n")
    assert resp.startswith(b"HTTP/1.1 400")


def test_csp_report_rate_class(fresh):
    s = fresh()
    codes = [s.request("POST", "/v1/csp-reports", data=b'{"csp-report": {}}',
                       headers={"Content-Type": "application/csp-report"}).status_code
             for _ in range(25)]
    assert codes[0] == 204
    assert 429 in codes, codes


def test_metrics_on_loopback(server):
    r = server.get("/metrics")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain")
    assert "bulwark_requests_total" in r.text
    assert "bulwark_responses_total{class=\"2xx\"}" in r.text
