"""CSRF on cookie-authenticated unsafe requests: the session-bound token, the
Origin / Referer / Sec-Fetch-Site checks, and form content types on JSON
endpoints. Every refusal path, and the accepted ones. The probe is POST
/v1/auth/logout: when a check fails the session must still be alive."""
import pytest

from bulwark_server import Server
from test_accounts import Client

COOKIE = "__Host-bulwark_session"


@pytest.fixture(scope="module")
def srv():
    s = Server(config="[ratelimit]\nip_rate = 100000\nip_burst = 100000\nip_period = 1s\n")
    yield s
    failed = s.events("audit.append_failed")
    assert s.stop() == 0
    assert not failed, failed  # every security event was stored


_n = [0]


def session(srv):
    _n[0] += 1
    email = f"c{_n[0]}@example.com"
    assert Client(srv).register(email).status == 201
    c = Client(srv)
    assert c.login(email).status == 200
    return c


def alive(c):
    return c.request("GET", "/v1/me").status == 200


def logout(c, **kw):
    return c.request("POST", "/v1/auth/logout", **kw)


def test_accepted_with_token_and_origin(srv):
    c = session(srv)
    assert logout(c).status == 204
    assert not alive(c)


def test_accepted_with_same_origin_referer_and_no_origin(srv):
    c = session(srv)
    r = logout(c, origin=False, headers={"Referer": srv.base + "/account"})
    assert r.status == 204


def test_accepted_with_fetch_metadata_same_origin(srv):
    c = session(srv)
    assert logout(c, headers={"Sec-Fetch-Site": "same-origin"}).status == 204


@pytest.mark.parametrize("headers,origin", [
    ({"Origin": "https://evil.example"}, False),
    ({"Origin": "null"}, False),
    ({}, False),  # neither Origin nor Referer: fail closed
    ({"Referer": "https://evil.example/page"}, False),
    ({"Sec-Fetch-Site": "cross-site"}, True),
    ({"Sec-Fetch-Site": "same-site"}, True),
    ({"Sec-Fetch-Site": "bogus"}, True),
    ({"Origin": "http://127.0.0.1"}, False),
])
def test_refused_origins(srv, headers, origin):
    c = session(srv)
    if "Origin" in headers or not origin:
        headers = dict(headers)
    r = logout(c, headers=headers, origin=origin)
    assert r.status == 403
    assert b"csrf-refused" in r.body
    assert alive(c)


def test_origin_of_another_port_refused(srv):
    c = session(srv)
    r = logout(c, headers={"Origin": f"https://127.0.0.1:{srv.port + 1}"}, origin=False)
    assert r.status == 403
    assert alive(c)


def test_missing_token_refused(srv):
    c = session(srv)
    c.csrf = None
    assert logout(c).status == 403
    assert alive(c)


@pytest.mark.parametrize("token", ["", "x", "A" * 86, "!" * 86])
def test_malformed_or_forged_token_refused(srv, token):
    c = session(srv)
    c.csrf = token if token else None
    r = logout(c, headers={"X-CSRF-Token": token})
    assert r.status == 403
    assert alive(c)


def test_token_of_another_session_refused(srv):
    a, b = session(srv), session(srv)
    a.csrf, b.csrf = b.csrf, a.csrf
    assert logout(a).status == 403
    assert logout(b).status == 403
    assert alive(a) and alive(b)


def test_presession_token_is_not_a_session_token(srv):
    c = session(srv)
    fresh = Client(srv)
    fresh.presession()
    c.csrf = fresh.csrf
    assert logout(c).status == 403
    assert alive(c)


def test_token_is_masked_and_every_form_verifies(srv):
    c = session(srv)
    first = c.csrf
    c.refresh_csrf()
    assert c.csrf != first  # BREACH: a fresh mask each time
    c.csrf = first
    assert logout(c).status == 204


def test_token_changes_with_session_rotation(srv):
    _n[0] += 1
    email = f"rot{_n[0]}@example.com"
    Client(srv).register(email)
    c = Client(srv)
    c.login(email)
    old = c.csrf
    c.csrf = None
    c.login(email)  # a new session id
    c.csrf = old
    assert logout(c).status == 403
    assert alive(c)


def test_form_content_type_on_json_endpoint_is_415(srv):
    c = session(srv)
    for ct in ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
               "text/plain"]:
        r = c.request("POST", "/v1/me/password", body=b"current_password=a&new_password=b",
                      headers={"Content-Type": ct})
        assert r.status == 415, ct
    # and without the CSRF token the same request never gets that far
    c.csrf = None
    r = c.request("POST", "/v1/me/password", body=b"a=b",
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 403


def test_delete_needs_csrf_too(srv):
    a = session(srv)
    cur = a.json(a.request("GET", "/v1/me/sessions"))["items"][0]["id"]
    token = a.csrf
    a.csrf = None
    assert a.request("DELETE", f"/v1/me/sessions/{cur}").status == 403
    assert alive(a)
    a.csrf = token
    assert a.request("DELETE", f"/v1/me/sessions/{cur}",
                     headers={"Origin": "https://evil.example"}).status == 403
    assert alive(a)


def test_presession_cookie_attributes(srv):
    c = Client(srv)
    r = c.presession()
    raw = r.set_cookies["__Host-bulwark_csrf"][1]
    attrs = [a.strip().lower() for a in raw.split(";")[1:]]
    assert "secure" in attrs and "httponly" in attrs and "path=/" in attrs
    assert "samesite=strict" in attrs
    assert not any(a.startswith("domain") for a in attrs)
