"""The HTML pages driven as a browser would: GET a page, read its form's
csrf_token, POST the form (application/x-www-form-urlencoded), follow the
303. Sign-in (with the open-redirect rules of next), registration, the
account pages, password change, the session list and revocation. Hostile
values show as text; passwords are never echoed."""
import html
import re
from urllib.parse import quote, urlencode

import pytest

from bulwark_server import Server
from test_accounts import OTHER, STRONG, Client, db_query

FORM = "application/x-www-form-urlencoded"


@pytest.fixture(scope="module")
def srv():
    s = Server(config="[ratelimit]\nip_rate = 100000\nip_burst = 100000\nip_period = 1s\n")
    yield s
    failed = s.events("audit.append_failed")
    assert s.stop() == 0
    assert not failed, failed


def token_of(body):
    m = re.search(rb'name="csrf_token" value="([^"]+)"', body)
    assert m, body[:2000]
    return html.unescape(m.group(1).decode())


def get(c, path, **kw):
    return c.request("GET", path, headers={"X-CSRF-Token": None}, **kw)


def post(c, path, fields, headers=None, **kw):
    h = {"Content-Type": FORM, "X-CSRF-Token": None}
    h.update(headers or {})
    return c.request("POST", path, body=urlencode(fields).encode(), headers=h, **kw)


def submit(c, page, action, fields, **kw):
    """GET page, then POST its form to action with its own csrf_token."""
    r = get(c, page)
    assert r.status == 200, r.body
    return post(c, action, {"csrf_token": token_of(r.body), **fields}, **kw)


_n = [0]


def new_email():
    _n[0] += 1
    return f"p{_n[0]}@example.com"


def register(srv, email, password=STRONG):
    c = Client(srv)
    r = submit(c, "/register", "/register", {"email": email, "password": password})
    assert r.status == 303, r.body
    assert r.getheader("Location") == "/login?m=registered"
    return c


def signed_in(srv, email=None, password=STRONG):
    email = email or new_email()
    register(srv, email, password)
    c = Client(srv)
    r = submit(c, "/login", "/login", {"email": email, "password": password, "next": ""})
    assert r.status == 303, r.body
    assert r.getheader("Location") == "/account"
    return c, email


def test_pages_are_html_with_the_page_headers(srv):
    c = Client(srv)
    for path in ["/login", "/register"]:
        r = get(c, path)
        assert r.status == 200
        assert r.getheader("Content-Type") == "text/html; charset=utf-8"
        csp = r.getheader("Content-Security-Policy")
        assert "nonce-" in csp and "form-action 'self'" in csp and "unsafe-inline" not in csp
        assert r.getheader("Cache-Control") == "no-store"
        assert b"<script" not in r.body
        assert b" on" not in re.sub(rb'"[^"]*"', b'""', r.body).lower().replace(b" one", b"")
        # the pre-session token comes with its cookie
        assert "__Host-bulwark_csrf" in r.set_cookies


def test_register_sign_in_and_account_page(srv):
    c, email = signed_in(srv)
    r = get(c, "/account")
    assert r.status == 200
    assert email.encode() in r.body
    assert b'action="/logout"' in r.body  # a sign-out form, never a link
    assert b'href="/logout"' not in r.body
    # the account's pages are behind the session
    anon = Client(srv)
    for path in ["/account", "/account/security", "/account/sessions"]:
        r = get(anon, path)
        assert r.status == 303
        assert r.getheader("Location") == "/login?next=" + quote(path, safe="")


def test_wrong_password_re_renders_without_echoing_it(srv):
    email = new_email()
    register(srv, email)
    c = Client(srv)
    secret = "wrong but distinctive 9f3c"
    r = submit(c, "/login", "/login", {"email": email, "password": secret, "next": ""})
    assert r.status == 401
    assert b"The email or password is wrong." in r.body
    assert secret.encode() not in r.body
    assert email.encode() in r.body  # the email as typed stays in the field
    assert "__Host-bulwark_session" not in c.cookies
    # unknown account: the same page
    r2 = submit(c, "/login", "/login", {"email": "nobody@example.com", "password": secret,
                                        "next": ""})
    assert r2.status == 401 and b"The email or password is wrong." in r2.body


def test_register_field_errors_never_echo_the_password(srv):
    c = Client(srv)
    weak = "password1234"
    r = submit(c, "/register", "/register", {"email": new_email(), "password": weak})
    assert r.status == 400
    assert b"field-error" in r.body
    assert weak.encode() not in r.body
    r = submit(c, "/register", "/register", {"email": "not an email", "password": STRONG})
    assert r.status == 400
    assert b"Enter a valid email address." in r.body
    assert STRONG.encode() not in r.body


def test_register_taken_email_answers_the_same(srv):
    email = new_email()
    register(srv, email)
    c = Client(srv)
    r = submit(c, "/register", "/register", {"email": email, "password": STRONG})
    assert r.status == 303 and r.getheader("Location") == "/login?m=registered"


@pytest.mark.parametrize("nxt,where", [
    ("/account/sessions", "/account/sessions"),
    ("/oauth2/authorize?client_id=a&state=x%2Fy", "/oauth2/authorize?client_id=a&state=x%2Fy"),
    ("//evil.example/", "/account"),
    ("///evil.example", "/account"),
    ("/\\evil.example", "/account"),
    ("\\\\evil.example", "/account"),
    ("https://evil.example/", "/account"),
    ("javascript:alert(1)", "/account"),
    ("/%2Fevil.example", "/account"),
    ("/a\tb", "/account"),
    ("/a\nLocation: https://evil.example", "/account"),
    ("evil.example", "/account"),
])
def test_next_is_honoured_only_for_same_origin_paths(srv, nxt, where):
    email = new_email()
    register(srv, email)
    c = Client(srv)
    r = get(c, "/login?next=" + quote(nxt, safe=""))
    if r.status == 400:
        # the query itself was refused (control characters): nothing to redirect to
        assert any(ch in nxt for ch in "\t\n")
        r = get(c, "/login")
    assert r.status == 200
    if where != "/account":
        assert html.escape(nxt, quote=True).encode() in r.body
    else:
        assert b'name="next" value=""' in r.body
    r = post(c, "/login", {"csrf_token": token_of(r.body), "email": email, "password": STRONG,
                           "next": nxt})
    if r.status == 400:
        assert any(ch in nxt for ch in "\t\n")
        return
    assert r.status == 303, r.body
    assert r.getheader("Location") == where


def test_login_form_needs_the_presession_token(srv):
    email = new_email()
    register(srv, email)
    c = Client(srv)
    get(c, "/login")  # the pre-session cookie, but no token in the form
    r = post(c, "/login", {"email": email, "password": STRONG, "next": ""})
    assert r.status == 403
    assert "__Host-bulwark_session" not in c.cookies
    # another browser's pre-session token does not match this cookie
    other = Client(srv)
    t = token_of(get(other, "/login").body)
    r = post(c, "/login", {"csrf_token": t, "email": email, "password": STRONG, "next": ""})
    assert r.status == 403
    assert "__Host-bulwark_session" not in c.cookies
    # login CSRF from another site: the right token, the wrong origin
    t = token_of(get(c, "/login").body)
    r = post(c, "/login", {"csrf_token": t, "email": email, "password": STRONG, "next": ""},
             headers={"Origin": "https://evil.example"})
    assert r.status == 403
    assert "__Host-bulwark_session" not in c.cookies


def test_password_change_through_the_page(srv):
    c, email = signed_in(srv)
    other, _ = Client(srv), None
    r = submit(other, "/login", "/login", {"email": email, "password": STRONG, "next": ""})
    assert r.status == 303
    # the wrong current password: re-rendered, nothing changed
    r = submit(c, "/account/security", "/account/password",
               {"current_password": "not the password 123", "new_password": OTHER})
    assert r.status == 400
    assert b"The current password is wrong." in r.body
    assert OTHER.encode() not in r.body and b"not the password 123" not in r.body
    assert get(other, "/account").status == 200
    # a weak new password
    r = submit(c, "/account/security", "/account/password",
               {"current_password": STRONG, "new_password": "short"})
    assert r.status == 400 and b"Use at least 12 characters." in r.body
    # the right one
    r = submit(c, "/account/security", "/account/password",
               {"current_password": STRONG, "new_password": OTHER})
    assert r.status == 303
    assert r.getheader("Location") == "/account/security?m=password_changed"
    r = get(c, "/account/security?m=password_changed")
    assert r.status == 200 and b"Your password is changed." in r.body
    assert get(other, "/account").status == 303  # the other session ended
    fresh = Client(srv)
    r = submit(fresh, "/login", "/login", {"email": email, "password": OTHER, "next": ""})
    assert r.status == 303


def test_password_change_needs_the_session_token(srv):
    c, email = signed_in(srv)
    r = post(c, "/account/password", {"current_password": STRONG, "new_password": OTHER})
    assert r.status == 403
    other, _ = signed_in(srv)
    t = token_of(get(other, "/account").body)
    r = post(c, "/account/password", {"csrf_token": t, "current_password": STRONG,
                                      "new_password": OTHER})
    assert r.status == 403
    fresh = Client(srv)
    r = submit(fresh, "/login", "/login", {"email": email, "password": STRONG, "next": ""})
    assert r.status == 303  # the password did not change


def test_session_list_and_revoke(srv):
    c, email = signed_in(srv)
    hostile = '<script>alert(1)</script>"onmouseover="alert(2)'
    d = Client(srv)
    r = submit(d, "/login", "/login", {"email": email, "password": STRONG, "next": ""},
               headers={"User-Agent": hostile})
    assert r.status == 303
    r = get(c, "/account/sessions")
    assert r.status == 200
    assert b"<script>alert(1)" not in r.body
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;&quot;onmouseover=&quot;alert(2)" in r.body
    ids = re.findall(rb'name="id" value="([^"]+)"', r.body)
    assert len(ids) == 2
    assert b"this device" in r.body
    # revoke the other one (the one not marked current comes from d)
    items = c.json(c.request("GET", "/v1/me/sessions", headers={"X-CSRF-Token": None}))["items"]
    theirs = next(i["id"] for i in items if not i["current"])
    t = token_of(r.body)
    # without the token, or with another id of nobody: nothing happens
    assert post(c, "/account/sessions/revoke", {"id": theirs}).status == 403
    assert post(c, "/account/sessions/revoke", {"csrf_token": t, "id": "A" * 22}).status == 404
    assert get(d, "/account").status == 200
    r = post(c, "/account/sessions/revoke", {"csrf_token": t, "id": theirs})
    assert r.status == 303 and r.getheader("Location") == "/account/sessions?m=revoked"
    assert get(d, "/account").status == 303
    # another user cannot revoke mine
    e, _ = signed_in(srv)
    mine = next(i["id"] for i in items if i["current"])
    te = token_of(get(e, "/account").body)
    assert post(e, "/account/sessions/revoke", {"csrf_token": te, "id": mine}).status == 404
    assert get(c, "/account").status == 200


def test_logout_form(srv):
    c, _ = signed_in(srv)
    t = token_of(get(c, "/account").body)
    r = post(c, "/logout", {"csrf_token": t})
    assert r.status == 303 and r.getheader("Location") == "/login?m=signed_out"
    assert get(c, "/account").status == 303
    assert b"You are signed out." in get(c, "/login?m=signed_out").body


def test_hostile_email_is_refused_and_shown_as_text(srv):
    c = Client(srv)
    hostile = '"><script>alert(1)</script>@x'
    r = submit(c, "/register", "/register", {"email": hostile, "password": STRONG})
    assert r.status == 400
    assert b"<script>alert(1)" not in r.body
    assert html.escape(hostile, quote=True).encode() in r.body.replace(b"&#x27;", b"&#x27;")
