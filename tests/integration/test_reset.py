"""Password reset: a uniform 202, a single-use hashed token valid 30 minutes,
the link built from the public origin (never the request's Host), every
session ended by a reset, and nothing changed by any refusal."""
import re
import statistics
import time

import pytest

from bulwark_server import Server
from test_accounts import OTHER, STRONG, db_query, mails_to
from test_accounts import Client as LoopbackClient

NEW = "quiet orchid measures 7 rivers"
ORIGIN = "https://id.example.test"


class Client(LoopbackClient):
    """A browser on the public origin (the server's CSRF checks compare Origin with it)."""

    def request(self, method, path, headers=None, **kw):
        h = {"Origin": ORIGIN}
        h.update(headers or {})
        return super().request(method, path, headers=h, **kw)


@pytest.fixture(scope="module")
def srv():
    s = Server(config="[ratelimit]\nip_rate = 100000\nip_burst = 100000\nip_period = 1s\n"
                      f"[server]\npublic_origin = {ORIGIN}\n"
                      "allowed_hosts = id.example.test, 127.0.0.1\n"
                      "trusted_proxies = 127.0.0.1/32\n")
    yield s
    failed = s.events("audit.append_failed")
    assert s.stop() == 0
    assert not failed, failed


_n = [0]
_src = [0]


def source():
    """A fresh loopback source address: the per-client rate class of the reset
    routes (10 at once) would otherwise stop a test long before it is done."""
    _src[0] += 1
    return f"127.1.{_src[0] // 250}.{1 + _src[0] % 250}"


def account(srv):
    _n[0] += 1
    email = f"r{_n[0]}@example.com"
    assert Client(srv).register(email).status == 201
    return email


def ask(srv, email, src=None, headers=None):
    return Client(srv, source=src or source()).request(
        "POST", "/v1/auth/password-reset", json_body={"email": email}, headers=headers)


def confirm(srv, token, password=NEW):
    return Client(srv, source=source()).request("POST", "/v1/auth/password-reset/confirm",
                               json_body={"token": token, "new_password": password})


def reset_links(srv, email, count=1):
    """(origin, token) of every reset mail to email, once there are count of them
    (file names sort by second only, so the order within a second is not kept)."""
    links = []
    deadline = time.monotonic() + 10
    while len(links) < count and time.monotonic() < deadline:
        links = re.findall(r"(\S+)/password-reset/confirm\?token=([A-Za-z0-9_-]{43})\r\n",
                           "".join(m for _, m in mails_to(srv, email, timeout=0)))
        time.sleep(0.05)
    assert len(links) >= count, links
    return links


def reset_token(srv, email):
    (link,) = reset_links(srv, email)
    return link


def reset_audits(srv, request_id):
    rows = db_query(srv, "SELECT line FROM audit_records WHERE line LIKE ?",
                    (f'%auth.password_reset_request%{request_id}%',))
    return rows


def wait_audit(srv, request_id, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if reset_audits(srv, request_id):
            return
        time.sleep(0.05)
    raise AssertionError("the reset job did not run")


def test_same_answer_for_known_unknown_and_malformed(srv):
    email = account(srv)
    answers = [ask(srv, e) for e in [email, "nobody@example.com", "not an address"]]
    for r in answers:
        assert r.status == 202, r.body
        assert r.body == b""
        assert r.getheader("Cache-Control") == "no-store"
    for r in answers:
        wait_audit(srv, r.getheader("X-Request-Id"))
    assert mails_to(srv, "nobody@example.com", timeout=0.5) == []
    origin, token = reset_token(srv, email)
    assert origin == ORIGIN


def test_link_ignores_host_and_forwarding_headers(srv):
    email = account(srv)
    r = ask(srv, email, headers={"Host": "id.example.test", "X-Forwarded-Host": "evil.example",
                                 "X-Forwarded-Proto": "http", "Forwarded": "host=evil.example"})
    assert r.status == 202
    origin, _ = reset_token(srv, email)
    assert origin == ORIGIN
    _, mail = [m for m in mails_to(srv, email, count=2) if "password-reset" in m[1]][-1]
    assert "evil" not in mail


def test_confirm_sets_password_and_ends_every_session(srv):
    email = account(srv)
    a, b = Client(srv), Client(srv)
    assert a.login(email).status == 200 and b.login(email).status == 200
    assert ask(srv, email).status == 202
    _, token = reset_token(srv, email)
    # the stored value is a hash, not the token
    stored = db_query(srv, "SELECT token_hash FROM email_tokens WHERE purpose = 'reset'")
    assert all(token.encode() not in bytes(h) for (h,) in stored)
    # an OAuth grant of the account: a refresh family with a live access token
    now = int(time.time())
    (uid,), = db_query(srv, "SELECT id FROM users WHERE email_canon = ?", (email,))
    db_query(srv, "INSERT INTO oauth_refresh_families (client_row_id, user_id, scope, "
                  "auth_time, created_at, expires_at) VALUES (1, ?, 'openid', ?, ?, ?)",
             (uid, now, now, now + 3600))
    (fam,), = db_query(srv, "SELECT id FROM oauth_refresh_families WHERE user_id = ?", (uid,))
    jti = f"reset-test-jti-{uid}"
    db_query(srv, "INSERT INTO oauth_refresh_tokens (family_id, token_hash, created_at, "
                  "expires_at, at_scope, at_jti, at_exp) VALUES (?, ?, ?, ?, 'openid', ?, ?)",
             (fam, bytes(32), now, now + 3600, jti, now + 600))
    r = confirm(srv, token)
    assert r.status == 204, r.body
    # the grant ended with the sessions: the family revoked, its access token denylisted
    (revoked,), = db_query(srv, "SELECT revoked_at FROM oauth_refresh_families WHERE id = ?",
                           (fam,))
    assert revoked is not None
    assert db_query(srv, "SELECT count(*) FROM access_token_denylist WHERE jti = ?",
                    (jti,)) == [(1,)]
    assert a.request("GET", "/v1/me").status == 401
    assert b.request("GET", "/v1/me").status == 401
    assert Client(srv).login(email, STRONG).status == 401
    assert Client(srv).login(email, NEW).status == 200
    # single use
    r = confirm(srv, token, OTHER)
    assert r.status == 400 and b"invalid-token" in r.body
    assert Client(srv).login(email, OTHER).status == 401


def test_refusals_change_nothing(srv):
    email = account(srv)
    assert ask(srv, email).status == 202
    _, token = reset_token(srv, email)
    before = db_query(srv, "SELECT password_hash FROM users WHERE email_canon = ?", (email,))
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    for bad in [flipped, "A" * 43, token[:-1], token + "A", "", "../../etc/passwd"]:
        r = confirm(srv, bad)
        assert r.status == 400, (bad, r.body)
    # a weak password is refused with a field error, and the token stays usable
    for weak in ["password1234", email.split("@")[0] * 3 + "xyz", "Qz9!k"]:
        r = confirm(srv, token, weak)
        assert r.status == 400
        assert b"new_password" in r.body and weak.encode() not in r.body
    # unknown fields (mass assignment) and a wrong content type
    c = Client(srv, source=source())
    r = c.request("POST", "/v1/auth/password-reset/confirm",
                  json_body={"token": token, "new_password": NEW, "role": "admin"})
    assert r.status == 400
    r = c.request("POST", "/v1/auth/password-reset/confirm", body=b"token=x",
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 415
    after = db_query(srv, "SELECT password_hash FROM users WHERE email_canon = ?", (email,))
    assert before == after
    assert Client(srv).login(email).status == 200
    assert confirm(srv, token).status == 204


def test_expired_and_voided_tokens(srv):
    email = account(srv)
    assert ask(srv, email).status == 202
    _, first = reset_token(srv, email)
    assert ask(srv, email).status == 202
    (second,) = {t for _, t in reset_links(srv, email, 2)} - {first}
    # a newer link voids the older one
    assert confirm(srv, first).status == 400
    # 30 minutes: the row says so, and past it the token is refused
    (created, expires), = db_query(
        srv, "SELECT t.created_at, t.expires_at FROM email_tokens t JOIN users u ON u.id = t.user_id "
             "WHERE u.email_canon = ? AND t.used_at IS NULL AND t.purpose = 'reset'", (email,))
    assert expires - created == 1800
    db_query(srv, "UPDATE email_tokens SET expires_at = ? WHERE expires_at = ? AND purpose = 'reset'",
             (int(time.time()) - 1, expires))
    assert confirm(srv, second).status == 400
    assert Client(srv).login(email).status == 200


def test_one_address_cannot_be_flooded(srv):
    email = account(srv)
    statuses = [ask(srv, email, src=f"127.0.9.{i}").status for i in range(1, 9)]
    assert statuses[:3] == [202] * 3
    assert 429 in statuses
    time.sleep(1)
    assert len(reset_links(srv, email, statuses.count(202))) == statuses.count(202)


def test_known_and_unknown_take_the_same_time(srv):
    """Interleaved pairs, known vs unknown address, from fresh addresses (the
    per-address limit would otherwise answer 429); the paired median
    difference stays within a small bound of the median."""
    now = int(time.time())
    known = []
    for i in range(40):
        email = f"timing{i}@example.com"
        db_query(srv, "INSERT INTO users (email_canon, email, password_hash, created_at, "
                      "password_changed_at, public_id) VALUES (?, ?, 'x', ?, ?, ?)",
                 (email, email, now, now, f"timing{i:015d}xxxxxxx"[:22]))
        known.append(email)
    diffs, base = [], []
    for i, email in enumerate(known):
        src = f"127.0.{10 + i // 200}.{1 + i % 200}"
        t0 = time.perf_counter()
        r1 = ask(srv, email, src=src)
        t1 = time.perf_counter()
        r2 = ask(srv, f"unknown{i}@example.com", src=src)
        t2 = time.perf_counter()
        assert r1.status == r2.status == 202
        diffs.append((t1 - t0) - (t2 - t1))
        base.append(t2 - t1)
    med = statistics.median(base)
    assert abs(statistics.median(diffs)) < 0.15 * med, (statistics.median(diffs), med)


# ---- the pages ----------------------------------------------------------------

def form_token(body):
    m = re.search(rb'name="csrf_token" value="([^"]+)"', body)
    assert m, body[:400]
    return m.group(1).decode()


def post_form(c, path, fields):
    from urllib.parse import urlencode
    return c.request("POST", path, body=urlencode(fields).encode(),
                     headers={"Content-Type": "application/x-www-form-urlencoded"})


def test_pages_request_and_confirm(srv):
    email = account(srv)
    c = Client(srv, source=source())
    assert b'href="/password-reset"' in c.request("GET", "/login").body
    r = c.request("GET", "/password-reset")
    assert r.status == 200 and r.getheader("Content-Type").startswith("text/html")
    assert "nonce-" in r.getheader("Content-Security-Policy")
    token = form_token(r.body)
    # the pre-session token is required: without it, or with a forged one, 403
    assert post_form(c, "/password-reset", {"email": email}).status == 403
    assert post_form(c, "/password-reset",
                     {"email": email,
                      "csrf_token": token[:8] + ("B" if token[8] != "B" else "C") + token[9:]}
                     ).status == 403
    time.sleep(0.3)
    assert reset_links(srv, email, 0) == []  # nothing was queued
    r = post_form(c, "/password-reset", {"email": email, "csrf_token": token})
    assert r.status == 303 and r.getheader("Location") == "/password-reset?sent=1"
    r = c.request("GET", "/password-reset?sent=1")
    assert b"If an account exists for that address" in r.body
    origin, link_token = reset_token(srv, email)
    # the confirmation page puts the token in the form, escaped
    r = c.request("GET", f"/password-reset/confirm?token={link_token}")
    assert r.status == 200
    assert f'name="token" value="{link_token}"'.encode() in r.body
    token = form_token(r.body)
    r = post_form(c, "/password-reset/confirm",
                  {"token": link_token, "new_password": "password1234", "csrf_token": token})
    assert r.status == 400 and b"field-error" in r.body and b"password1234" not in r.body
    r = post_form(c, "/password-reset/confirm",
                  {"token": link_token, "new_password": NEW, "csrf_token": form_token(r.body)})
    assert r.status == 303 and r.getheader("Location") == "/login?m=password_reset"
    assert Client(srv).login(email, NEW).status == 200
    # used: the page says the link is dead and offers a new one (each page
    # render issues a fresh pre-session token and cookie: take the latest)
    r = c.request("GET", f"/password-reset/confirm?token={link_token}")
    r = post_form(c, "/password-reset/confirm",
                  {"token": link_token, "new_password": OTHER, "csrf_token": form_token(r.body)})
    assert r.status == 400 and b"invalid, used or expired" in r.body


def test_confirm_page_escapes_a_hostile_token(srv):
    c = Client(srv, source=source())
    hostile = '"><script>alert(1)</script>'
    from urllib.parse import quote
    r = c.request("GET", "/password-reset/confirm?token=" + quote(hostile))
    assert r.status in (200, 400)
    assert b"<script>alert(1)" not in r.body
    assert b"&lt;script&gt;" in r.body or r.status == 400
