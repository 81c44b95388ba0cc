"""The pages of the second factor, driven as a browser would (GET the page,
POST its form with its own csrf_token, follow the 303): enrolment on the
security page (QR code, key, first code, backup codes shown once), the
sign-in's code step with the MFA token in an HttpOnly cookie, the
re-authentication prompt and its return path, new backup codes and turning
MFA off. Codes come from pyotp, an independent TOTP implementation; every
refusal is checked in the database too."""
import html
import json
import re
import xml.etree.ElementTree as ET
from urllib.parse import quote

import pyotp
import pytest

from bulwark_server import run_bulwark
from test_accounts import OTHER, STRONG, Client, db_query
# srv: a server of this module's own, with cheap Argon2 (test_mfa's fixture)
from test_mfa import age_session, code, session_count, srv, steady, uid_of  # noqa: F401
from test_web_pages import get, post, submit, token_of

MFA_COOKIE = "__Host-bulwark_mfa"
SESSION = "__Host-bulwark_session"
WRONG_CODE = b"The code is wrong, expired or used already."


# ---- helpers -------------------------------------------------------------------

_n = [0]
_home = {}


def new_email():
    """A new user, with an address of its own (the login limits count per address)."""
    _n[0] += 1
    email = f"m{_n[0]}@example.com"
    _home[email] = f"127.0.{1 + _n[0] // 200}.{10 + _n[0] % 200}"
    return email


def page_login(srv, email, password=STRONG, nxt="", source=None):
    """The password step through the sign-in page; returns (client, response)."""
    c = Client(srv, source=source or _home[email])
    r = submit(c, "/login", "/login", {"email": email, "password": password, "next": nxt})
    return c, r


def signed_in(srv, email=None):
    email = email or new_email()
    c = Client(srv, source=_home[email])
    r = submit(c, "/register", "/register", {"email": email, "password": STRONG})
    assert r.status == 303, r.body
    c, r = page_login(srv, email)
    assert r.status == 303 and r.getheader("Location") == "/account", r.body
    return c, email


def secret_of(body):
    m = re.search(rb'<code class="secret" id="secret">([A-Z2-7 ]+)</code>', body)
    assert m, body[:3000]
    return m.group(1).decode().replace(" ", "")


def codes_of(body):
    return re.findall(rb"<li><code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code></li>", body)


def begin(c):
    r = submit(c, "/account/security", "/account/mfa/totp", {})
    assert r.status == 200, r.body
    return r


def enrolled(srv):
    """A user with MFA on through the pages; returns (client, email, secret, codes)."""
    c, email = signed_in(srv)
    secret = secret_of(begin(c).body)
    steady()
    r = submit(c, "/account/security", "/account/mfa/confirm", {"code": code(secret, -1)})
    assert r.status == 200, r.body
    return c, email, secret, [x.decode() for x in codes_of(r.body)]


def totp_state(srv, email):
    rows = db_query(srv, "SELECT state FROM mfa_totp WHERE user_id = ?", (uid_of(srv, email),))
    return rows[0][0] if rows else None


def auth_times(srv, email):
    return db_query(srv, "SELECT auth_time FROM sessions WHERE user_id = ?",
                    (uid_of(srv, email),))


def code_step(c, otp, nxt=""):
    return submit(c, "/login/mfa", "/login/mfa", {"code": otp, "next": nxt})


# ---- enrolment ---------------------------------------------------------------------

def test_enrolment_through_the_security_page(srv):
    c, email = signed_in(srv)
    r = get(c, "/account/security")
    assert b'action="/account/mfa/totp"' in r.body and b"badge\">off" in r.body
    r = begin(c)
    body = r.body
    assert r.getheader("Cache-Control") == "no-store"
    # the QR code: the server's SVG, inserted as markup, nothing else in it
    m = re.search(rb'<div class="qr">(<svg.*?</svg>)</div>', body, re.S)
    assert m, body[:3000]
    root = ET.fromstring(m.group(1))
    assert [e.tag.split("}")[1] for e in root] == ["rect", "path"]
    assert b"<script" not in body
    # the key in text, and the otpauth URI (shown as text, escaped), agree
    secret = secret_of(body)
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    uri = html.unescape(re.search(rb'id="otpauth-uri">([^<]+)<', body).group(1).decode())
    t = pyotp.parse_uri(uri)
    assert t.secret == secret and t.issuer == "bulwark" and t.name == email
    assert totp_state(srv, email) == "pending"
    # a wrong first code: the form again, without the key, nothing confirmed
    steady()
    wrong = "000000" if code(secret) != "000000" else "111111"
    r = submit(c, "/account/security", "/account/mfa/confirm", {"code": wrong})
    assert r.status == 400 and WRONG_CODE in r.body
    assert b'id="secret"' not in r.body and b"<svg" not in r.body
    assert totp_state(srv, email) == "pending"
    # the right one: ten backup codes, shown once; the session replaced
    old_sid = c.cookies[SESSION]
    other, _ = page_login(srv, email)
    assert other.cookies.get(SESSION)
    r = submit(c, "/account/security", "/account/mfa/confirm", {"code": code(secret)})
    assert r.status == 200, r.body
    assert b"Two-step verification is on." in r.body
    codes = codes_of(r.body)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert c.cookies[SESSION] != old_sid
    assert totp_state(srv, email) == "confirmed"
    assert get(other, "/account").status == 303  # the other session ended
    # the page's forms carry the new session's token: signing out works with it
    assert post(c, "/logout", {"csrf_token": token_of(r.body)}).status == 303
    # nothing on a later page shows the codes or the key again
    c2, r = page_login(srv, email)
    assert r.status == 303


def test_security_page_shows_mfa_on(srv):
    c, email, _, _ = enrolled(srv)
    r = get(c, "/account/security")
    assert b"badge ok\">on" in r.body and b"10 backup codes left." in r.body
    assert b'action="/account/mfa/disable"' in r.body
    assert b'action="/account/mfa/backup-codes"' in r.body
    assert b'action="/account/mfa/totp"' not in r.body
    # starting again while it is on changes nothing
    t = token_of(r.body)
    r = post(c, "/account/mfa/totp", {"csrf_token": t})
    assert r.status == 303 and r.getheader("Location") == "/account/security?m=mfa_on"
    assert totp_state(srv, email) == "confirmed"


@pytest.mark.parametrize("path,fields", [
    ("/account/mfa/totp", {}),
    ("/account/mfa/confirm", {"code": "123456"}),
    ("/account/mfa/backup-codes", {}),
    ("/account/mfa/disable", {}),
    ("/reauth", {"password": STRONG, "next": "/account"}),
])
def test_signed_in_forms_refuse_a_missing_or_foreign_token(srv, path, fields):
    c, email, _, codes = enrolled(srv)
    before = (totp_state(srv, email), auth_times(srv, email))
    other, _ = signed_in(srv)
    foreign = token_of(get(other, "/account").body)
    for extra in ({}, {"csrf_token": foreign}, {"csrf_token": "A" * 86}):
        r = post(c, path, {**fields, **extra})
        assert r.status == 403, (path, extra, r.status)
        assert b"csrf-refused" in r.body
    assert (totp_state(srv, email), auth_times(srv, email)) == before
    # the backup codes were not replaced: one still signs in
    d, r = page_login(srv, email)
    r = code_step(d, codes[0])
    assert r.status == 303 and r.getheader("Location") == "/account"


# ---- the sign-in's code step ----------------------------------------------------

def test_sign_in_with_a_code_through_the_pages(srv):
    _, email, secret, _ = enrolled(srv)
    before = session_count(srv, email)
    c, r = page_login(srv, email)
    assert r.status == 303
    loc = r.getheader("Location")
    assert loc == "/login/mfa"
    # no session yet; the MFA token only in a Strict, HttpOnly, short-lived cookie
    assert SESSION not in c.cookies
    raw = r.set_cookies[MFA_COOKIE][1]
    token = r.set_cookies[MFA_COOKIE][0]
    assert len(token) >= 43
    attrs = [a.strip().lower() for a in raw.split(";")[1:]]
    assert {"secure", "httponly", "samesite=strict", "path=/", "max-age=300"} <= set(attrs)
    assert session_count(srv, email) == before
    r = get(c, "/login/mfa")
    assert r.status == 200
    assert token.encode() not in r.body  # not in the page
    assert b'autocomplete="one-time-code"' in r.body
    # a wrong code: the form again, no session
    steady()
    wrong = "000000" if code(secret) != "000000" else "111111"
    r = code_step(c, wrong)
    assert r.status == 401 and WRONG_CODE in r.body
    assert SESSION not in c.cookies and MFA_COOKIE in c.cookies
    # the right code: signed in, the MFA cookie gone
    otp = code(secret)
    r = code_step(c, otp)
    assert r.status == 303 and r.getheader("Location") == "/account", r.body
    assert r.set_cookies[MFA_COOKIE][0] == ""
    assert MFA_COOKIE not in c.cookies and SESSION in c.cookies
    assert get(c, "/account").status == 200
    assert session_count(srv, email) == before + 1
    # the same code again (another browser, right password): refused, a replay
    d, r = page_login(srv, email)
    r = code_step(d, otp)
    assert r.status == 401 and WRONG_CODE in r.body
    assert SESSION not in d.cookies
    lines = [l for (l,) in db_query(srv, "SELECT line FROM audit_records")]
    assert any('"auth.login"' in l and '"mfa":"totp"' in l for l in lines)


def test_code_step_needs_the_presession_token_and_origin(srv):
    _, email, secret, _ = enrolled(srv)
    c, r = page_login(srv, email)
    steady()
    otp = code(secret)
    r = post(c, "/login/mfa", {"code": otp, "next": ""})
    assert r.status == 403 and SESSION not in c.cookies
    t = token_of(get(c, "/login/mfa").body)
    r = post(c, "/login/mfa", {"csrf_token": t, "code": otp, "next": ""},
             headers={"Origin": "https://evil.example"})
    assert r.status == 403 and SESSION not in c.cookies
    # no attempt of the token was spent by the refused posts
    assert db_query(srv, "SELECT attempts FROM mfa_tokens WHERE user_id = ?",
                    (uid_of(srv, email),)) == [(0,)]
    r = post(c, "/login/mfa", {"csrf_token": t, "code": otp, "next": ""})
    assert r.status == 303 and SESSION in c.cookies


def test_code_step_without_or_with_a_forged_token(srv):
    _, email, secret, _ = enrolled(srv)
    c = Client(srv)
    r = get(c, "/login/mfa?next=%2Faccount%2Fsessions")
    assert r.status == 303
    assert r.getheader("Location") == "/login?next=%2Faccount%2Fsessions"
    # a code with no password step under way: back to the password
    t = token_of(get(c, "/login").body)
    r = post(c, "/login/mfa", {"csrf_token": t, "code": code(secret), "next": "/account/sessions"})
    assert r.status == 303
    assert r.getheader("Location") == "/login?m=mfa_restart&next=%2Faccount%2Fsessions"
    assert SESSION not in c.cookies
    c.cookies[MFA_COOKIE] = "A" * 43
    steady()
    r = code_step(c, code(secret))
    assert r.status == 303 and r.getheader("Location") == "/login?m=mfa_restart"
    assert r.set_cookies[MFA_COOKIE][0] == "" and SESSION not in c.cookies
    assert b"expired or ran out of tries" in get(c, "/login?m=mfa_restart").body


def test_five_wrong_codes_end_the_attempt(srv):
    _, email, secret, _ = enrolled(srv)
    c, r = page_login(srv, email, source="127.0.0.7")
    wrong = "000000" if code(secret) != "000000" else "111111"
    for _ in range(5):
        r = code_step(c, wrong)
        assert r.status == 401, r.status
    steady()
    r = code_step(c, code(secret))  # right, but the token is dead
    assert r.status == 303 and r.getheader("Location") == "/login?m=mfa_restart"
    assert SESSION not in c.cookies and MFA_COOKIE not in c.cookies


def test_backup_code_works_once_through_the_pages(srv):
    _, email, _, codes = enrolled(srv)
    c, _ = page_login(srv, email)
    r = code_step(c, codes[3].upper())  # as typed from paper: case does not matter
    assert r.status == 303 and r.getheader("Location") == "/account", r.body
    d, _ = page_login(srv, email)
    r = code_step(d, codes[3])
    assert r.status == 401 and WRONG_CODE in r.body and SESSION not in d.cookies
    r = get(c, "/account/security")
    assert b"9 backup codes left." in r.body


@pytest.mark.parametrize("nxt,where", [
    ("/account/sessions", "/account/sessions"),
    ("/oauth2/authorize?client_id=a&state=x%2Fy", "/oauth2/authorize?client_id=a&state=x%2Fy"),
    ("//evil.example/", "/account"),
    ("/\\evil.example", "/account"),
    ("https://evil.example/", "/account"),
    ("javascript:alert(1)", "/account"),
    ("/%2Fevil.example", "/account"),
])
def test_next_survives_the_code_step_only_when_same_origin(srv, nxt, where):
    _, email, secret, _ = enrolled(srv)
    c, r = page_login(srv, email, nxt=nxt)
    loc = r.getheader("Location")
    if where == "/account":
        assert loc == "/login/mfa"
    else:
        assert loc == "/login/mfa?next=" + quote(nxt, safe="")
    r = get(c, loc)
    assert r.status == 200
    shown = html.unescape(re.search(rb'name="next" value="([^"]*)"', r.body).group(1).decode())
    assert shown == (nxt if where != "/account" else "")
    steady()
    # the form's next as a hostile page would send it: checked again
    r = post(c, "/login/mfa", {"csrf_token": token_of(r.body), "code": code(secret),
                               "next": nxt})
    assert r.status == 303 and r.getheader("Location") == where


# ---- re-authentication ----------------------------------------------------------------

def test_stale_session_is_sent_to_the_prompt_and_back(srv):
    c, email = signed_in(srv)
    age_session(srv, email)
    r = submit(c, "/account/security", "/account/mfa/totp", {})
    assert r.status == 303
    assert r.getheader("Location") == "/reauth?next=%2Faccount%2Fsecurity"
    assert totp_state(srv, email) is None  # nothing began
    r = get(c, r.getheader("Location"))
    assert r.status == 200
    assert b'type="password"' in r.body and b'name="code"' not in r.body
    assert b'name="next" value="/account/security"' in r.body
    t = token_of(r.body)
    r = post(c, "/reauth", {"csrf_token": t, "password": "not it at all 123",
                            "next": "/account/security"})
    assert r.status == 401 and b"The password is wrong." in r.body
    assert b"not it at all 123" not in r.body
    r = post(c, "/reauth", {"csrf_token": t, "password": STRONG, "next": "/account/security"})
    assert r.status == 303 and r.getheader("Location") == "/account/security"
    begin(c)
    assert totp_state(srv, email) == "pending"


def test_password_change_with_a_stale_session_asks_first(srv):
    c, email = signed_in(srv)
    age_session(srv, email)
    r = submit(c, "/account/security", "/account/password",
               {"current_password": STRONG, "new_password": OTHER})
    assert r.status == 303
    assert r.getheader("Location") == "/reauth?next=%2Faccount%2Fsecurity"
    _, r = page_login(srv, email)  # the password did not change
    assert r.status == 303 and r.getheader("Location") == "/account"


@pytest.mark.parametrize("nxt", [
    "//evil.example/", "///evil.example", "/\\evil.example", "\\\\evil.example",
    "https://evil.example/", "javascript:alert(1)", "/%2Fevil.example", "evil.example",
    "HTTPS://evil.example", " /account",
])
def test_reauth_refuses_to_return_to_another_site(srv, nxt):
    c, email = signed_in(srv)
    r = get(c, "/reauth?next=" + quote(nxt, safe=""))
    assert r.status == 200
    assert b'name="next" value="/account"' in r.body
    assert b"evil.example" not in r.body
    r = post(c, "/reauth", {"csrf_token": token_of(r.body), "password": STRONG, "next": nxt})
    assert r.status == 303 and r.getheader("Location") == "/account"


def test_reauth_with_mfa_needs_a_code(srv):
    c, email, secret, _ = enrolled(srv)
    age_session(srv, email)
    before = auth_times(srv, email)
    r = submit(c, "/account/security", "/account/mfa/disable", {})
    assert r.status == 303 and r.getheader("Location") == "/reauth?next=%2Faccount%2Fsecurity"
    assert totp_state(srv, email) == "confirmed"
    r = get(c, "/reauth?next=%2Faccount%2Fsecurity")
    assert b'name="code"' in r.body and b'type="password"' not in r.body
    t = token_of(r.body)
    # the password alone does not count when a second factor is on
    r = post(c, "/reauth", {"csrf_token": t, "password": STRONG, "next": "/account/security"})
    assert r.status == 400 and b"Enter a code" in r.body
    steady()
    wrong = "000000" if code(secret) != "000000" else "111111"
    r = post(c, "/reauth", {"csrf_token": t, "code": wrong, "next": "/account/security"})
    assert r.status == 401 and WRONG_CODE in r.body
    assert auth_times(srv, email) == before
    otp = code(secret)
    r = post(c, "/reauth", {"csrf_token": t, "code": otp, "next": "/account/security"})
    assert r.status == 303 and r.getheader("Location") == "/account/security"
    # the same code a second time: a replay
    age_session(srv, email)
    r = post(c, "/reauth", {"csrf_token": t, "code": otp, "next": "/account/security"})
    assert r.status == 401 and WRONG_CODE in r.body
    r = post(c, "/reauth", {"csrf_token": t, "code": code(secret, -1), "next": "/"})
    assert r.status == 401  # an older step after a newer one: refused too


def test_new_backup_codes_and_turning_off(srv):
    c, email, secret, codes = enrolled(srv)
    age_session(srv, email)
    r = submit(c, "/account/security", "/account/mfa/backup-codes", {})
    assert r.status == 303 and r.getheader("Location").startswith("/reauth?")
    r = submit(c, "/reauth?next=%2Faccount%2Fsecurity", "/reauth",
               {"code": codes[0], "next": "/account/security"})
    assert r.status == 303
    r = submit(c, "/account/security", "/account/mfa/backup-codes", {})
    assert r.status == 200 and b"The old ones no longer work." in r.body
    fresh = [x.decode() for x in codes_of(r.body)]
    assert len(fresh) == 10 and not set(fresh) & set(codes)
    d, _ = page_login(srv, email)
    assert code_step(d, codes[1]).status == 401  # an old one
    assert code_step(d, fresh[0]).status == 303  # a new one
    # turning it off: recent proof (the backup code above), then gone
    r = submit(c, "/account/security", "/account/mfa/disable", {})
    assert r.status == 303 and r.getheader("Location") == "/account/security?m=mfa_off"
    assert totp_state(srv, email) is None
    assert b"Two-step verification is off." in get(c, "/account/security?m=mfa_off").body
    e, r = page_login(srv, email)
    assert r.status == 303 and r.getheader("Location") == "/account"


def test_a_sealed_key_copied_to_another_account_does_not_open(srv):
    _, a, secret_a, _ = enrolled(srv)
    _, b, _, _ = enrolled(srv)
    [(sealed, key_id)] = db_query(srv, "SELECT secret, key_id FROM mfa_totp WHERE user_id = ?",
                                  (uid_of(srv, a),))
    db_query(srv, "UPDATE mfa_totp SET secret = ?, key_id = ? WHERE user_id = ?",
             (sealed, key_id, uid_of(srv, b)))
    c, r = page_login(srv, b)
    steady()
    r = code_step(c, code(secret_a))
    # the row is bound to its user: it does not open, and that is the server's fault (500)
    assert r.status == 500 and SESSION not in c.cookies


def test_operator_removes_a_lost_second_factor(srv):
    _, email, _, codes = enrolled(srv)
    flags = ["--data-dir", srv.data_dir, "--config", srv.config_path]
    p = run_bulwark("user", "mfa-off", *flags, "--email", email.upper())
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == {"email": email, "mfa": "removed"}
    assert totp_state(srv, email) is None
    assert db_query(srv, "SELECT count(*) FROM mfa_backup_codes WHERE user_id = ?",
                    (uid_of(srv, email),)) == [(0,)]
    _, r = page_login(srv, email)  # the password alone signs in again
    assert r.status == 303 and r.getheader("Location") == "/account"
    p = run_bulwark("user", "mfa-off", *flags, "--email", email)
    assert p.returncode == 0 and json.loads(p.stdout)["mfa"] == "none"
    p = run_bulwark("user", "mfa-off", *flags, "--email", "nobody@example.com")
    assert p.returncode == 1 and b"no user has this email" in p.stderr
    p = run_bulwark("user", "mfa-off", *flags, "--email", email, "--password-stdin")
    assert p.returncode == 2


def test_the_new_pages_carry_nothing_inline(srv):
    c, email = signed_in(srv)
    d, _ = page_login(srv, enrolled(srv)[1])
    pages = [begin(c), get(c, "/reauth?next=%2Faccount%2Fsecurity"), get(c, "/account/security"),
             get(d, "/login/mfa")]
    steady()
    secret = secret_of(pages[0].body)
    pages.append(submit(c, "/account/security", "/account/mfa/confirm", {"code": code(secret)}))
    for r in pages:
        assert r.status == 200, r.body[:500]
        assert r.getheader("Content-Type") == "text/html; charset=utf-8"
        assert r.getheader("Cache-Control") == "no-store"
        body = r.body.decode()
        assert "<script" not in body and "style=" not in body
        assert not re.search(r"\son[a-z]+\s*=", body, re.I), "inline event handler"
        assert "unsafe-inline" not in r.getheader("Content-Security-Policy")


# ---- an OAuth sign-in through both steps ------------------------------------------------

def test_oauth_authorization_through_the_password_and_code_steps(srv):
    """A relying party sends a signed-out user with MFA to /oauth2/authorize: the
    password page, the code page, then the consent page of the same request."""
    from urllib.parse import parse_qs, unquote, urlsplit

    from oauth_helpers import add_client, authorize_params, decide, pkce

    _, email, secret, _ = enrolled(srv)
    rp = add_client(srv, "--name", "RP", "--redirect-uri", "https://rp.example/cb",
                    "--scope", "openid email")
    _, challenge = pkce()
    c = Client(srv, source=_home[email])
    from urllib.parse import urlencode
    start = "/oauth2/authorize?" + urlencode(authorize_params(rp["client_id"], challenge,
                                                              scope="openid email",
                                                              redirect="https://rp.example/cb"))
    r = c.request("GET", start, origin=False)
    assert r.status == 303
    loc = r.getheader("Location")
    assert loc.startswith("/login?next=")
    nxt = unquote(loc[len("/login?next="):])
    assert nxt.startswith("/oauth2/authorize?")
    c2, r = page_login(srv, email, nxt=nxt)
    assert r.getheader("Location") == "/login/mfa?next=" + quote(nxt, safe="")
    steady()
    r = code_step(c2, code(secret), nxt=nxt)
    assert r.status == 303 and r.getheader("Location") == nxt
    page = c2.request("GET", nxt, origin=False)
    assert page.status == 200 and b"RP" in page.body
    r = decide(c2, page)
    q = parse_qs(urlsplit(r.getheader("Location")).query)
    assert "code" in q and q["state"] == ["st-1"]
