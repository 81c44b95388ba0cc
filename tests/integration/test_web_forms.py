"""HTML form routes: the CSRF token travels in the csrf_token field of an
application/x-www-form-urlencoded body and is checked after the form is
parsed, before the handler runs. The probe is the sign-out form (POST
/logout): whenever a check fails, the session must still be alive and no
logout may be audited."""
from urllib.parse import urlencode

import pytest

from bulwark_server import Server
from test_accounts import Client, db_query

FORM = "application/x-www-form-urlencoded"


@pytest.fixture(scope="module")
def srv():
    s = Server(config="[ratelimit]\nip_rate = 100000\nip_burst = 100000\nip_period = 1s\n")
    yield s
    failed = s.events("audit.append_failed")
    assert s.stop() == 0
    assert not failed, failed


_n = [0]


def session(srv):
    _n[0] += 1
    email = f"f{_n[0]}@example.com"
    assert Client(srv).register(email).status == 201
    c = Client(srv)
    assert c.login(email).status == 200
    return c


def alive(c):
    return c.request("GET", "/v1/me").status == 200


def post_form(c, path, fields, headers=None, **kw):
    """A browser-like form post: the token only in the body, never the header."""
    h = {"Content-Type": FORM, "X-CSRF-Token": None}
    h.update(headers or {})
    body = fields if isinstance(fields, bytes) else urlencode(fields).encode()
    return c.request("POST", path, body=body, headers=h, **kw)


def logouts(srv):
    """The sign-outs in the audit log (what a refused request must not add)."""
    return len([l for (l,) in db_query(srv, "SELECT line FROM audit_records")
                if '"auth.logout"' in l])


def test_right_token_in_the_form_signs_out(srv):
    c = session(srv)
    r = post_form(c, "/logout", {"csrf_token": c.csrf})
    assert r.status == 303, r.body
    assert r.getheader("Location") == "/login?m=signed_out"
    assert r.set_cookies["__Host-bulwark_session"][0] == ""
    assert not alive(c)
    assert logouts(srv) >= 1


@pytest.mark.parametrize("fields", [
    {},                                   # no token
    {"csrf_token": ""},                   # empty
    {"csrf_token": "x"},                  # malformed
    {"csrf_token": "A" * 86},             # the right shape, forged
])
def test_missing_or_forged_token_refused(srv, fields):
    c = session(srv)
    before = logouts(srv)
    r = post_form(c, "/logout", fields)
    assert r.status == 403
    assert b"csrf-refused" in r.body
    assert alive(c)
    assert logouts(srv) == before


def test_token_of_another_session_refused(srv):
    a, b = session(srv), session(srv)
    assert post_form(a, "/logout", {"csrf_token": b.csrf}).status == 403
    assert post_form(b, "/logout", {"csrf_token": a.csrf}).status == 403
    assert alive(a) and alive(b)


def test_presession_token_refused_on_a_session_form(srv):
    c = session(srv)
    fresh = Client(srv)
    fresh.presession()
    assert post_form(c, "/logout", {"csrf_token": fresh.csrf}).status == 403
    assert alive(c)


def test_header_token_does_not_rescue_a_wrong_form_token(srv):
    c = session(srv)
    r = post_form(c, "/logout", {"csrf_token": "A" * 86}, headers={"X-CSRF-Token": c.csrf})
    assert r.status == 403
    assert alive(c)


@pytest.mark.parametrize("headers,origin", [
    ({"Origin": "https://evil.example"}, False),
    ({"Origin": "null"}, False),
    ({}, False),                              # neither Origin nor Referer
    ({"Sec-Fetch-Site": "cross-site"}, True),
    ({"Sec-Fetch-Site": "same-site"}, True),  # another port of the same host
])
def test_right_token_from_the_wrong_origin_refused(srv, headers, origin):
    c = session(srv)
    r = post_form(c, "/logout", {"csrf_token": c.csrf}, headers=headers, origin=origin)
    assert r.status == 403
    assert alive(c)


def test_origin_of_another_port_refused(srv):
    c = session(srv)
    r = post_form(c, "/logout", {"csrf_token": c.csrf},
                  headers={"Origin": f"https://127.0.0.1:{srv.port + 1}"}, origin=False)
    assert r.status == 403
    assert alive(c)


@pytest.mark.parametrize("body", [
    None,                                  # token twice (filled in below)
    b"csrf_token",                         # no '='
    b"admin=1&csrf_token=TOKEN",           # an undeclared field
    b"csrf_token=%zz",                     # bad escape
    b"csrf_token=TOKEN&&",                 # empty pair
])
def test_malformed_forms_refused(srv, body):
    c = session(srv)
    if body is None:
        body = f"csrf_token={c.csrf}&csrf_token={c.csrf}".encode()
    body = body.replace(b"TOKEN", c.csrf.encode())
    r = post_form(c, "/logout", body)
    assert r.status == 400
    assert b"invalid-body" in r.body
    assert alive(c)


def test_wrong_content_type_refused(srv):
    c = session(srv)
    r = c.request("POST", "/logout", json_body={"csrf_token": c.csrf},
                  headers={"X-CSRF-Token": None})
    assert r.status == 415
    assert alive(c)


def test_oversized_form_refused(srv):
    c = session(srv)
    r = post_form(c, "/logout", {"csrf_token": c.csrf, "x": "a" * 5000})
    assert r.status == 413
    assert alive(c)


def test_without_a_session_unauthenticated(srv):
    c = Client(srv)
    c.presession()
    assert post_form(c, "/logout", {"csrf_token": c.csrf}).status == 401


def test_json_login_still_takes_the_header_token(srv):
    # the pre-session check moved from the handler into the pipeline
    c = Client(srv)
    c.presession()
    token = c.csrf
    c.csrf = None
    r = c.request("POST", "/v1/auth/login", json_body={"email": "f1@example.com",
                                                       "password": "x" * 20})
    assert r.status == 403
    c.csrf = token
    r = c.request("POST", "/v1/auth/login", json_body={"email": "nobody@example.com",
                                                       "password": "x" * 20})
    assert r.status == 401
