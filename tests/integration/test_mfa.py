"""MFA: TOTP enrolment (checked with pyotp, an independent implementation),
backup codes, the two-step login, the caps on code guessing, and
re-authentication for sensitive actions. Every refusal is checked in the
database too: nothing was written that should not have been."""
import base64
import json
import re
import time
import urllib.parse
import xml.etree.ElementTree as ET

import pyotp
import pytest

from bulwark_server import Server
from test_accounts import STRONG, Client, db_query

WRONG = "definitely not it 0987"


@pytest.fixture(scope="module")
def srv():
    s = Server(config="[ratelimit]\nip_rate = 100000\nip_burst = 100000\nip_period = 1s\n"
                      "[auth]\nargon2_m = 8192\nargon2_t = 1\n")
    yield s
    failed = s.events("audit.append_failed")
    assert s.stop() == 0
    assert not failed, failed  # every security event was stored


# ---- helpers -------------------------------------------------------------------

def steady():
    """Wait until the current 30 s step has at least 6 s left and 3 s gone, so
    that 'now', 'one step ago' and 'one step ahead' mean the same to the test
    and to the server (same clock) for the few requests that follow."""
    while not 3 <= time.time() % 30 <= 24:
        time.sleep(0.5)


def code(secret, steps=0):
    return pyotp.TOTP(secret).at(time.time() + 30 * steps)


def uid_of(srv, email):
    return db_query(srv, "SELECT id FROM users WHERE email_canon = ?", (email,))[0][0]


def password_login(c, email, password=STRONG):
    if c.csrf is None:
        c.presession()
    return c.request("POST", "/v1/auth/login", json_body={"email": email, "password": password})


def second_step(c, token, otp):
    return c.request("POST", "/v1/auth/mfa", json_body={"mfa_token": token, "code": otp})


def full_login(c, email, otp):
    r = password_login(c, email)
    assert r.status == 200, r.body
    body = json.loads(r.body)
    assert body.get("mfa_required") is True, body
    r = second_step(c, body["mfa_token"], otp)
    if r.status == 200:
        c.csrf = json.loads(r.body)["csrf_token"]
    return r


def new_user(srv, email, source="127.0.0.1"):
    c = Client(srv, source=source)
    assert c.register(email).status == 201
    assert c.login(email).status == 200
    return c


def begin(c):
    r = c.request("POST", "/v1/me/mfa/totp")
    assert r.status == 200, r.body
    return json.loads(r.body)


def enrol(srv, email):
    """A user with MFA confirmed (with the code of the previous step, so the
    current step is still unused); returns (client, secret, backup codes)."""
    c = new_user(srv, email)
    secret = begin(c)["secret"]
    steady()
    r = c.request("POST", "/v1/me/mfa/totp/confirm", json_body={"code": code(secret, -1)})
    assert r.status == 200, r.body
    body = json.loads(r.body)
    c.csrf = body["csrf_token"]
    return c, secret, body["backup_codes"]


def age_session(srv, email, seconds=1000):
    db_query(srv, "UPDATE sessions SET auth_time = auth_time - ? WHERE user_id = ?",
             (seconds, uid_of(srv, email)))


def problem(r):
    assert r.getheader("Content-Type").startswith("application/problem+json"), r.body
    return json.loads(r.body)["type"]


def totp_row(srv, email):
    return db_query(srv, "SELECT state, last_step, secret, key_id FROM mfa_totp WHERE user_id = ?",
                    (uid_of(srv, email),))


def session_count(srv, email):
    return db_query(srv, "SELECT count(*) FROM sessions WHERE user_id = ?",
                    (uid_of(srv, email),))[0][0]


# ---- enrolment -------------------------------------------------------------------

def test_enrolment_answer_and_storage(srv):
    c = new_user(srv, "enrol+1@example.com")
    body = begin(c)
    assert set(body) == {"secret", "otpauth_uri", "qr_svg"}
    secret = body["secret"]
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)  # 160 bits, unpadded base32
    # pyotp reads the URI back to the same key, issuer and account
    t = pyotp.parse_uri(body["otpauth_uri"])
    assert t.secret == secret and t.issuer == "bulwark" and t.name == "enrol+1@example.com"
    assert t.digits == 6 and t.interval == 30
    assert body["otpauth_uri"].startswith("otpauth://totp/bulwark:enrol%2B1%40example.com?")
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(body["otpauth_uri"]).query)
    assert q["algorithm"] == ["SHA1"] and q["digits"] == ["6"] and q["period"] == ["30"]
    # the QR code: one svg with a viewBox, a background and one path, nothing else
    root = ET.fromstring(body["qr_svg"])
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    side = int(root.get("viewBox").split()[2])
    assert side >= 21 + 8 and (side - 8 - 17) % 4 == 0
    assert [e.tag.split("}")[1] for e in root] == ["rect", "path"]
    assert "script" not in body["qr_svg"].lower() and "otpauth" not in body["qr_svg"]
    # stored sealed: not the secret, and the key that sealed it is named
    [(state, last, sealed, key_id)] = totp_row(srv, "enrol+1@example.com")
    raw = base64.b32decode(secret)
    assert state == "pending" and last == -1
    assert raw not in bytes(sealed) and len(bytes(sealed)) == 24 + 20 + 16
    assert re.fullmatch(r"[0-9a-f]{16}", key_id)
    r = c.request("GET", "/v1/me/mfa")
    assert json.loads(r.body) == {"totp": "pending", "backup_codes_remaining": 0}
    # logging in still needs no code while only pending
    c2 = Client(srv)
    r = password_login(c2, "enrol+1@example.com")
    assert r.status == 200 and "mfa_required" not in json.loads(r.body)


def test_restart_replaces_pending_key(srv):
    c = new_user(srv, "enrol+2@example.com")
    old = begin(c)["secret"]
    new = begin(c)["secret"]
    assert old != new
    steady()
    r = c.request("POST", "/v1/me/mfa/totp/confirm", json_body={"code": code(old)})
    assert r.status == 400 and {"field": "code", "code": "invalid"} in json.loads(r.body)["errors"]
    assert totp_row(srv, "enrol+2@example.com")[0][0] == "pending"
    assert db_query(srv, "SELECT count(*) FROM mfa_backup_codes WHERE user_id = ?",
                    (uid_of(srv, "enrol+2@example.com"),))[0][0] == 0
    r = c.request("POST", "/v1/me/mfa/totp/confirm", json_body={"code": code(new)})
    assert r.status == 200


def test_confirm_rotates_session_and_ends_the_others(srv):
    email = "enrol+3@example.com"
    c = new_user(srv, email)
    other = Client(srv, source="127.0.0.2")
    assert other.login(email).status == 200
    secret = begin(c)["secret"]
    old_cookie = c.cookies["__Host-bulwark_session"]
    steady()
    r = c.request("POST", "/v1/me/mfa/totp/confirm", json_body={"code": code(secret)})
    assert r.status == 200, r.body
    body = json.loads(r.body)
    codes = body["backup_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}", x) for x in codes)
    assert c.cookies["__Host-bulwark_session"] != old_cookie
    c.csrf = body["csrf_token"]
    assert c.request("GET", "/v1/me").status == 200
    # the session it replaced and the account's other session are gone
    stale = Client(srv)
    stale.cookies["__Host-bulwark_session"] = old_cookie
    assert stale.request("GET", "/v1/me").status == 401
    assert other.request("GET", "/v1/me").status == 401
    assert session_count(srv, email) == 1
    r = c.request("GET", "/v1/me/mfa")
    assert json.loads(r.body) == {"totp": "confirmed", "backup_codes_remaining": 10}
    # backup codes are stored as keyed hashes only
    rows = db_query(srv, "SELECT code_hash FROM mfa_backup_codes WHERE user_id = ?",
                    (uid_of(srv, email),))
    assert len(rows) == 10 and all(len(bytes(h)) == 32 for (h,) in rows)
    for x in codes:
        assert all(x.encode() not in bytes(h) and x.replace("-", "").encode() not in bytes(h)
                   for (h,) in rows)
    # a second confirmation or enrolment is refused, and changes nothing
    before = totp_row(srv, email)
    r = c.request("POST", "/v1/me/mfa/totp")
    assert r.status == 409 and problem(r) == "/problems/mfa-enabled"
    r = c.request("POST", "/v1/me/mfa/totp/confirm", json_body={"code": code(secret, 1)})
    assert r.status == 409 and problem(r) == "/problems/mfa-not-pending"
    assert totp_row(srv, email) == before


def test_confirm_without_pending_and_malformed(srv):
    c = new_user(srv, "enrol+4@example.com")
    r = c.request("POST", "/v1/me/mfa/totp/confirm", json_body={"code": "123456"})
    assert r.status == 409
    r = c.request("POST", "/v1/me/mfa/totp/confirm", json_body={"code": 123456})
    assert r.status == 400
    r = c.request("POST", "/v1/me/mfa/totp/confirm", json_body={"code": "1", "extra": 1})
    assert r.status == 400
    # cross-site: no CSRF token, nothing started
    c.csrf = None
    assert c.request("POST", "/v1/me/mfa/totp").status == 403
    assert totp_row(srv, "enrol+4@example.com") == []
    # anonymous
    assert Client(srv).request("POST", "/v1/me/mfa/totp").status == 401


# ---- the two-step login ------------------------------------------------------------

def test_two_step_login_window_and_replay(srv):
    email = "login+1@example.com"
    c, secret, _ = enrol(srv, email)
    # the password step: a token, no session
    fresh = Client(srv, source="127.0.0.3")
    sessions = session_count(srv, email)
    r = password_login(fresh, email)
    assert r.status == 200
    body = json.loads(r.body)
    assert set(body) == {"mfa_required", "mfa_token"} and body["mfa_required"] is True
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", body["mfa_token"])
    assert "__Host-bulwark_session" not in r.set_cookies
    assert session_count(srv, email) == sessions
    assert fresh.request("GET", "/v1/me").status == 401
    # the token is stored hashed
    rows = db_query(srv, "SELECT token_hash FROM mfa_tokens")
    assert all(body["mfa_token"].encode() not in bytes(h) for (h,) in rows)
    # the code step: a new session, rotated against the one the client came with
    c_old = c.cookies["__Host-bulwark_session"]
    steady()
    now = code(secret)
    r = second_step(c, body["mfa_token"], now)
    assert r.status == 200, r.body
    assert set(json.loads(r.body)) == {"id", "csrf_token"}
    assert c.cookies["__Host-bulwark_session"] != c_old
    c.csrf = json.loads(r.body)["csrf_token"]
    assert c.request("GET", "/v1/me").status == 200
    stale = Client(srv)
    stale.cookies["__Host-bulwark_session"] = c_old
    assert stale.request("GET", "/v1/me").status == 401
    # the token is single use
    r = second_step(Client(srv), body["mfa_token"], code(secret, 1))
    assert r.status in (401, 403)
    # the same code again (same step), on a fresh token: refused
    last = totp_row(srv, email)[0][1]
    r = full_login(Client(srv), email, now)
    assert r.status == 401 and problem(r) == "/problems/invalid-code"
    assert totp_row(srv, email)[0][1] == last
    # one step ahead is accepted; then two either way are not
    r = full_login(Client(srv), email, code(secret, 1))
    assert r.status == 200, r.body
    assert totp_row(srv, email)[0][1] == last + 1
    d = Client(srv)
    r = password_login(d, email)
    token = json.loads(r.body)["mfa_token"]
    sessions = session_count(srv, email)
    for steps in (2, -2, -1, 0, 1):  # -1..1 are at or before the last accepted step now
        r = second_step(d, token, code(secret, steps))
        assert r.status == 401, (steps, r.body)
    assert session_count(srv, email) == sessions
    assert totp_row(srv, email)[0][1] == last + 1
    # and a wrong code is audited
    lines = [l for (l,) in db_query(srv, "SELECT line FROM audit_records")]
    assert any('"auth.mfa"' in l and '"failure"' in l for l in lines)
    assert not any(token in l or now in l for l in lines)


def test_five_wrong_codes_kill_the_token_and_account_cap(srv):
    email = "grind@example.com"
    _, secret, _ = enrol(srv, email)
    uid = uid_of(srv, email)
    base = session_count(srv, email)  # the enrolling session
    a = Client(srv, source="127.0.0.4")
    r = password_login(a, email)
    token = json.loads(r.body)["mfa_token"]
    wrong = "000000" if code(secret) != "000000" else "111111"
    for _ in range(5):
        r = second_step(a, token, wrong)
        assert r.status == 401 and problem(r) == "/problems/invalid-code"
    steady()
    r = second_step(a, token, code(secret))  # right, but the token is dead
    assert r.status == 401 and problem(r) == "/problems/mfa-token-invalid"
    assert db_query(srv, "SELECT attempts FROM mfa_tokens WHERE user_id = ?", (uid,)) == [(5,)]
    assert session_count(srv, email) == base
    # fresh tokens from other addresses share one account-wide budget of ten
    # (the confirmation spent one, the first token five)
    b = Client(srv, source="127.0.0.5")
    token = json.loads(password_login(b, email).body)["mfa_token"]
    for _ in range(4):
        assert second_step(b, token, wrong).status == 401
    c = Client(srv, source="127.0.0.6")
    token = json.loads(password_login(c, email).body)["mfa_token"]
    steady()
    r = second_step(c, token, code(secret))
    assert r.status == 429, r.body
    assert int(r.getheader("Retry-After")) >= 30
    assert "mfa-acct" in r.getheader("RateLimit-Policy")
    assert session_count(srv, email) == base
    assert totp_row(srv, email)[0][1] < time.time() // 30  # the code was not spent
    lines = [l for (l,) in db_query(srv, "SELECT line FROM audit_records")]
    assert any("auth.rate_limited" in l and "mfa-acct" in l for l in lines)


def test_backup_code_works_once(srv):
    email = "backup@example.com"
    _, _, codes = enrol(srv, email)
    uid = uid_of(srv, email)
    c = Client(srv)
    r = full_login(c, email, codes[0])
    assert r.status == 200, r.body
    assert c.request("GET", "/v1/me").status == 200
    r = full_login(Client(srv), email, codes[0])
    assert r.status == 401 and problem(r) == "/problems/invalid-code"
    # typed in capitals without the dashes: the same code
    r = full_login(Client(srv), email, codes[1].replace("-", "").upper())
    assert r.status == 200, r.body
    r = full_login(Client(srv), email, codes[1])
    assert r.status == 401
    assert db_query(srv, "SELECT count(*) FROM mfa_backup_codes WHERE user_id = ? AND "
                         "used_at IS NOT NULL", (uid,))[0][0] == 2
    r = c.request("GET", "/v1/me/mfa")
    assert json.loads(r.body)["backup_codes_remaining"] == 8
    # another account's code is no code here
    _, _, theirs = enrol(srv, "backup+other@example.com")
    r = full_login(Client(srv), email, theirs[0])
    assert r.status == 401
    assert db_query(srv, "SELECT count(*) FROM mfa_backup_codes WHERE used_at IS NOT NULL "
                         "AND user_id = ?", (uid_of(srv, "backup+other@example.com"),))[0][0] == 0


def test_mfa_token_is_bound_expires_and_needs_csrf(srv):
    email = "bound@example.com"
    _, secret, _ = enrol(srv, email)
    uid = uid_of(srv, email)
    base = session_count(srv, email)  # the enrolling session
    c = Client(srv)
    token = json.loads(password_login(c, email).body)["mfa_token"]
    # cross-site: no pre-session token, nothing counted
    nocsrf = Client(srv)
    r = nocsrf.request("POST", "/v1/auth/mfa", json_body={"mfa_token": token, "code": "123456"})
    assert r.status == 403
    assert db_query(srv, "SELECT attempts FROM mfa_tokens WHERE user_id = ?", (uid,)) == [(0,)]
    # a password change since the password step kills it
    db_query(srv, "UPDATE users SET password_changed_at = password_changed_at + 1 WHERE id = ?",
             (uid,))
    steady()
    r = second_step(c, token, code(secret))
    assert r.status == 401 and problem(r) == "/problems/mfa-token-invalid"
    # an expired one is dead too
    token = json.loads(password_login(c, email).body)["mfa_token"]
    db_query(srv, "UPDATE mfa_tokens SET expires_at = 1 WHERE user_id = ?", (uid,))
    r = second_step(c, token, code(secret))
    assert r.status == 401 and problem(r) == "/problems/mfa-token-invalid"
    # forged and malformed tokens
    for t in ["A" * 43, "x", "A" * 44]:
        r = second_step(c, t, code(secret))
        assert r.status in (400, 401), t
    assert session_count(srv, email) == base


# ---- re-authentication ---------------------------------------------------------------

def test_disable_needs_recent_reauth(srv):
    email = "disable@example.com"
    c, secret, _ = enrol(srv, email)
    uid = uid_of(srv, email)
    age_session(srv, email)
    r = c.request("DELETE", "/v1/me/mfa/totp")
    assert r.status == 401 and problem(r) == "/problems/reauth-required"
    assert totp_row(srv, email)[0][0] == "confirmed"
    r = c.request("POST", "/v1/me/mfa/backup-codes")
    assert r.status == 401 and problem(r) == "/problems/reauth-required"
    before = db_query(srv, "SELECT auth_time FROM sessions WHERE user_id = ?", (uid,))
    # the password alone does not re-authenticate an account with a second factor
    r = c.request("POST", "/v1/auth/reauth", json_body={"password": STRONG})
    assert r.status == 401 and problem(r) == "/problems/mfa-code-required"
    steady()
    r = c.request("POST", "/v1/auth/reauth", json_body={"code": "000000" if code(secret) != "000000" else "111111"})
    assert r.status == 401 and problem(r) == "/problems/invalid-code"
    assert db_query(srv, "SELECT auth_time FROM sessions WHERE user_id = ?", (uid,)) == before
    r = c.request("POST", "/v1/auth/reauth", json_body={"code": code(secret)})
    assert r.status == 204, r.body
    [(t,)] = db_query(srv, "SELECT auth_time FROM sessions WHERE user_id = ?", (uid,))
    assert abs(t - time.time()) < 10
    # regenerate: ten new codes, the old ones dead
    old = db_query(srv, "SELECT code_hash FROM mfa_backup_codes WHERE user_id = ?", (uid,))
    r = c.request("POST", "/v1/me/mfa/backup-codes")
    assert r.status == 200 and len(json.loads(r.body)["backup_codes"]) == 10
    new = db_query(srv, "SELECT code_hash FROM mfa_backup_codes WHERE user_id = ?", (uid,))
    assert len(new) == 10 and not set(old) & set(new)
    r = c.request("DELETE", "/v1/me/mfa/totp")
    assert r.status == 204
    assert totp_row(srv, email) == []
    assert db_query(srv, "SELECT count(*) FROM mfa_backup_codes WHERE user_id = ?", (uid,)) == [(0,)]
    r = password_login(Client(srv), email)
    assert r.status == 200 and "mfa_required" not in json.loads(r.body)


def test_reauth_with_password_and_its_throttle(srv):
    email = "reauth@example.com"
    c = new_user(srv, email, source="127.0.0.7")
    uid = uid_of(srv, email)
    age_session(srv, email)
    # sensitive actions refuse a stale session and write nothing
    r = c.request("POST", "/v1/me/mfa/totp")
    assert r.status == 401 and problem(r) == "/problems/reauth-required"
    assert totp_row(srv, email) == []
    h = db_query(srv, "SELECT password_hash FROM users WHERE id = ?", (uid,))
    r = c.request("POST", "/v1/me/password",
                  json_body={"current_password": STRONG, "new_password": "a brand new secret 77"})
    assert r.status == 401 and problem(r) == "/problems/reauth-required"
    assert db_query(srv, "SELECT password_hash FROM users WHERE id = ?", (uid,)) == h
    # the body is a password or a code, exactly one
    for bad in [{}, {"password": STRONG, "code": "123456"}]:
        assert c.request("POST", "/v1/auth/reauth", json_body=bad).status == 400
    r = c.request("POST", "/v1/auth/reauth", json_body={"code": "123456"})
    assert r.status == 400
    before = db_query(srv, "SELECT auth_time FROM sessions WHERE user_id = ?", (uid,))
    # wrong passwords: 401, then throttled like login (the login spent one of ten)
    codes = [c.request("POST", "/v1/auth/reauth", json_body={"password": WRONG}).status
             for _ in range(10)]
    assert codes[:9] == [401] * 9 and codes[9] == 429, codes
    r = c.request("POST", "/v1/auth/reauth", json_body={"password": STRONG})
    assert r.status == 429 and "login-pair" in r.getheader("RateLimit-Policy")
    assert db_query(srv, "SELECT auth_time FROM sessions WHERE user_id = ?", (uid,)) == before
    lines = [l for (l,) in db_query(srv, "SELECT line FROM audit_records")]
    assert any('"auth.reauth"' in l and '"failure"' in l for l in lines)
    # from another address the owner gets through
    c.source = "127.0.0.8"
    r = c.request("POST", "/v1/auth/reauth", json_body={"password": STRONG})
    assert r.status == 204, r.body
    assert c.request("POST", "/v1/me/mfa/totp").status == 200
    # anonymous and cross-site re-authentication are refused
    assert Client(srv).request("POST", "/v1/auth/reauth",
                               json_body={"password": STRONG}).status == 401
    c.csrf = None
    assert c.request("POST", "/v1/auth/reauth", json_body={"password": STRONG}).status == 403
