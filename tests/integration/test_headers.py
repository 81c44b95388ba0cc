"""Every response we send carries the security headers of API.md, errors included."""
import re

import pytest

JSON_CSP = "default-src 'none'; frame-ancestors 'none'"

COMMON = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def assert_security_headers(r, html=False):
    for name, value in COMMON.items():
        assert r.headers.get(name) == value, (name, r.status_code, r.headers)
    pp = r.headers.get("Permissions-Policy", "")
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert feature in pp, pp
    csp = r.headers["Content-Security-Policy"]
    if html:
        assert re.search(r"script-src 'nonce-[A-Za-z0-9+/_-]{22,}={0,2}' 'strict-dynamic'", csp), csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        for d in ("default-src 'none'", "img-src 'self' data:", "form-action 'self'",
                  "frame-ancestors 'none'", "base-uri 'none'", "object-src 'none'"):
            assert d in csp, (d, csp)
    else:
        assert csp.startswith(JSON_CSP), csp
    rid = r.headers["X-Request-Id"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", rid), rid
    assert r.headers.get("Server", "bulwark") == "bulwark"


@pytest.mark.parametrize("method,path,status", [
    ("GET", "/healthz", 200),
    ("GET", "/v1/ping", 200),
    ("HEAD", "/v1/ping", 200),
    ("GET", "/no/such/path", 404),
    ("DELETE", "/v1/ping", 405),
    ("GET", "/v1/ping?unknown=1", 400),
    ("GET", "/v1/%C0%AF", 400),
    ("POST", "/v1/csp-reports", 415),
    ("BREW", "/v1/ping", 501),
])
def test_headers_on_every_status(server, method, path, status):
    r = server.request(method, path)
    assert r.status_code == status
    assert_security_headers(r)
    if status >= 400:
        assert r.headers["Content-Type"] == "application/problem+json"
        if method != "HEAD":
            doc = r.json()
            assert doc["status"] == status
            assert doc["type"].startswith("/problems/")
            assert doc["request_id"] == r.headers["X-Request-Id"]


def test_html_page_has_nonce_csp(server):
    r1 = server.get("/")
    r2 = server.get("/")
    assert r1.status_code == 200
    assert r1.headers["Content-Type"].startswith("text/html")
    assert_security_headers(r1, html=True)
    n1 = re.search(r"'nonce-([^']+)'", r1.headers["Content-Security-Policy"]).group(1)
    n2 = re.search(r"'nonce-([^']+)'", r2.headers["Content-Security-Policy"]).group(1)
    assert n1 != n2, "nonce must be fresh per response"
    # the page has no inline script or style; one that had would carry the nonce
    # (test_pages_layout.py checks every <script> and <style> of the page)
    assert "report-uri /v1/csp-reports" in r1.headers["Content-Security-Policy"]


def test_request_ids_are_unique(server):
    ids = {server.get("/healthz").headers["X-Request-Id"] for _ in range(50)}
    assert len(ids) == 50


def test_no_store_on_operational_json(server):
    assert server.get("/v1/ping").headers.get("Cache-Control") == "no-store"


def test_json_body_and_type(server):
    r = server.get("/v1/ping")
    assert r.headers["Content-Type"] == "application/json"
    assert r.json() == {"pong": True}


def test_method_not_allowed_lists_allow(server):
    r = server.request("POST", "/healthz", data=b"")
    assert r.status_code == 405
    assert set(x.strip() for x in r.headers["Allow"].split(",")) == {"GET", "HEAD"}


def test_options_without_preflight(server):
    r = server.request("OPTIONS", "/v1/ping")
    assert r.status_code == 204
    assert set(x.strip() for x in r.headers["Allow"].split(",")) == {"GET", "HEAD", "OPTIONS"}
    assert_security_headers(r)
    assert server.request("OPTIONS", "/no/such").status_code == 404


def test_problem_documents_leak_nothing(server):
    for path in ("/v1/%00", "/v1/../../etc/passwd", "/v1/ping?x=%ff", "/a%2fb"):
        r = server.get(path)
        assert r.status_code in (400, 404)
        text = r.text.lower()
        for leak in ("/etc", "/src/", ".c:", "sqlite", "mhd", "stack", "errno", "passwd"):
            assert leak not in text, (path, r.text)
