"""Accounts: registration, email verification, login, logout, /v1/me, password
change, and the hashes as an independent Argon2 implementation sees them.

The Client here speaks HTTP/1.1 with http.client so that every header and
cookie is exactly what the test says (no cookie jar guessing), and so that the
source address can be chosen (127.0.0.2, 127.0.0.3, ...) for the login
protection tests.
"""
import glob
import http.client
import json
import os
import re
import sqlite3
import ssl
import subprocess
import time

import pytest

from bulwark_server import BIN, Server

STRONG = "correct horse battery staple 42"
OTHER = "violet tractor summons 9 lanterns"


def parse_cookies(headers):
    out = {}
    for k, v in headers:
        if k.lower() == "set-cookie":
            name, _, rest = v.partition("=")
            out[name] = (rest.split(";", 1)[0], v)
    return out


class Client:
    """One browser-like client: its own cookies, optional source address."""

    def __init__(self, server, source="127.0.0.1"):
        self.s = server
        self.source = source
        self.cookies = {}
        self.csrf = None

    def request(self, method, path, body=None, headers=None, json_body=None, origin=True,
                cookies=True):
        h = {"Host": f"127.0.0.1:{self.s.port}"}
        if origin:
            h["Origin"] = self.s.base
        if json_body is not None:
            body = json.dumps(json_body).encode()
            h["Content-Type"] = "application/json"
        if self.csrf and method != "GET":
            h["X-CSRF-Token"] = self.csrf
        if cookies and self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        h.update(headers or {})
        h = {k: v for k, v in h.items() if v is not None}
        ctx = ssl.create_default_context(cafile=self.s.cert)
        ctx.check_hostname = False
        conn = http.client.HTTPSConnection("127.0.0.1", self.s.port, context=ctx, timeout=20,
                                           source_address=(self.source, 0))
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            data = r.read()
            r.headers_list = r.getheaders()
            r.body = data
            r.status_code = r.status
            set_cookies = parse_cookies(r.headers_list)
            r.set_cookies = set_cookies
            for name, (value, _) in set_cookies.items():
                if value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = value
            return r
        finally:
            conn.close()

    def json(self, r):
        return json.loads(r.body)

    def presession(self):
        r = self.request("GET", "/v1/auth/csrf")
        assert r.status == 200, r.body
        self.csrf = json.loads(r.body)["csrf_token"]
        return r

    def register(self, email, password=STRONG, **extra):
        if self.csrf is None:
            self.presession()
        return self.request("POST", "/v1/auth/register",
                            json_body={"email": email, "password": password, **extra})

    def login(self, email, password=STRONG):
        if self.csrf is None:
            self.presession()
        r = self.request("POST", "/v1/auth/login",
                         json_body={"email": email, "password": password})
        if r.status == 200:
            self.csrf = json.loads(r.body)["csrf_token"]
        return r

    def refresh_csrf(self):
        r = self.request("GET", "/v1/auth/csrf")
        assert r.status == 200
        self.csrf = json.loads(r.body)["csrf_token"]


def db_path(server):
    return os.path.join(server.data_dir, "bulwark.db")


def db_query(server, sql, args=()):
    con = sqlite3.connect(db_path(server), timeout=10)
    try:
        cur = con.execute(sql, args)
        rows = cur.fetchall()
        con.commit()
        return rows
    finally:
        con.close()


def outbox(server):
    files = sorted(glob.glob(os.path.join(server.data_dir, "outbox", "*.eml")))
    out = []
    for f in files:
        with open(f, "rb") as fh:
            out.append((f, fh.read().decode()))
    return out


def mails_to(server, addr, count=1, timeout=10.0):
    """The outbox messages to addr, waiting (mail is delivered by a background
    worker) until there are at least count of them or timeout passed."""
    deadline = time.monotonic() + timeout
    while True:
        found = [(f, m) for f, m in outbox(server) if f"To: <{addr}>" in m]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


@pytest.fixture(scope="module")
def srv():
    s = Server(config="[ratelimit]\nip_rate = 100000\nip_burst = 100000\nip_period = 1s\n")
    yield s
    failed = s.events("audit.append_failed")
    assert s.stop() == 0
    assert not failed, failed  # every security event was stored


# ---- registration -------------------------------------------------------------

def test_register_then_login_then_me(srv):
    c = Client(srv)
    r = c.register("Alice@Example.COM")
    assert r.status == 201, r.body
    uid = c.json(r)["id"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", uid)
    r = c.login("alice@example.com")
    assert r.status == 200, r.body
    name, (value, raw) = next((k, v) for k, v in r.set_cookies.items()
                              if k == "__Host-bulwark_session")
    attrs = [a.strip().lower() for a in raw.split(";")[1:]]
    assert "secure" in attrs and "httponly" in attrs and "samesite=lax" in attrs
    assert "path=/" in attrs and not any(a.startswith("domain") for a in attrs)
    me = c.request("GET", "/v1/me")
    assert me.status == 200
    body = c.json(me)
    assert body["id"] == uid and body["email"] == "alice@example.com"
    assert body["role"] == "user" and body["email_verified"] is False
    assert "no-store" in me.getheader("Cache-Control")
    # the session id is stored only as a keyed hash
    rows = db_query(srv, "SELECT token_hash FROM sessions")
    assert rows and all(value.encode() not in bytes(h) for (h,) in rows)
    assert all(len(bytes(h)) == 32 for (h,) in rows)


def test_register_taken_email_same_answer_and_notice(srv):
    c = Client(srv)
    r1 = c.register("bob@example.com")
    assert r1.status == 201
    before = db_query(srv, "SELECT count(*) FROM users")[0][0]
    c2 = Client(srv)
    r2 = c2.register("  BOB@example.com ", password=OTHER)
    assert r2.status == 201
    assert set(c.json(r2)) == {"id"}
    assert c.json(r2)["id"] != c.json(r1)["id"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", c.json(r2)["id"])
    assert r1.getheader("Content-Type") == r2.getheader("Content-Type")
    assert db_query(srv, "SELECT count(*) FROM users")[0][0] == before
    # the id answered for a taken email names nobody
    assert db_query(srv, "SELECT count(*) FROM users WHERE public_id = ?",
                    (c.json(r2)["id"],))[0][0] == 0
    mails = mails_to(srv, "bob@example.com", count=2)
    assert any("already has one" in m for _, m in mails)
    # the second password did not replace the first
    assert c2.login("bob@example.com", OTHER).status == 401
    assert Client(srv).login("bob@example.com").status == 200


def test_register_mass_assignment_refused(srv):
    r = Client(srv).register("mallory@example.com", role="admin")
    assert r.status == 400
    assert {"field": "(unknown)", "code": "unknown"} in json.loads(r.body)["errors"]
    assert db_query(srv, "SELECT count(*) FROM users WHERE email_canon = ?",
                    ("mallory@example.com",))[0][0] == 0


@pytest.mark.parametrize("password,code", [
    ("short1!", "too_short"),
    ("iloveyou123456", "common"),
    ("qwertyuiopasdf", "sequence"),
    ("carol.example-99-horse", "contains_email"),
])
def test_register_policy_errors_never_echo(srv, password, code):
    r = Client(srv).register("carol.example@example.com", password=password)
    assert r.status == 400
    body = json.loads(r.body)
    assert {"field": "password", "code": code} in body["errors"]
    assert password.encode() not in r.body


def test_register_bad_email(srv):
    r = Client(srv).register("not-an-email")
    assert r.status == 400
    assert {"field": "email", "code": "invalid"} in json.loads(r.body)["errors"]


def test_register_form_content_type_is_415(srv):
    c = Client(srv)
    c.presession()
    r = c.request("POST", "/v1/auth/register", body=b"email=a%40b.c&password=x",
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 415
    r = c.request("POST", "/v1/auth/register", body=b'{"email":"a@b.c","password":"x"}',
                  headers={"Content-Type": "text/plain"})
    assert r.status == 415


def test_register_oversized_and_malformed_bodies(srv):
    c = Client(srv)
    c.presession()
    big = json.dumps({"email": "x@example.com", "password": "a" * 20000}).encode()
    r = c.request("POST", "/v1/auth/register", body=big,
                  headers={"Content-Type": "application/json"})
    assert r.status == 413
    for bad in [b'{"email":', b'{"email":"a@b.c","email":"c@d.e","password":"x"}',
                b'[1,2]', b'{"email":1,"password":2}']:
        r = c.request("POST", "/v1/auth/register", body=bad,
                      headers={"Content-Type": "application/json"})
        assert r.status == 400, bad


def test_register_needs_presession_token(srv):
    c = Client(srv)
    r = c.request("POST", "/v1/auth/register",
                  json_body={"email": "dave@example.com", "password": STRONG})
    assert r.status == 403
    assert db_query(srv, "SELECT count(*) FROM users WHERE email_canon = ?",
                    ("dave@example.com",))[0][0] == 0


# ---- email verification -------------------------------------------------------------

def test_verify_email_link_from_public_origin_single_use(srv):
    c = Client(srv)
    c.presession()
    # Host is another allowed name: the link must still come from the public origin
    r = c.request("POST", "/v1/auth/register", headers={"Host": f"localhost:{srv.port}"},
                  json_body={"email": "erin@example.com", "password": STRONG})
    assert r.status == 201
    (_, mail), = [m for m in mails_to(srv, "erin@example.com") if "verify-email" in m[1]]
    m = re.search(r"(https://[^/\s]+)/verify-email\?token=([A-Za-z0-9_-]{43})", mail)
    assert m and m.group(1) == srv.base
    token = m.group(2)
    f = [f for f, mm in mails_to(srv, "erin@example.com")][0]
    assert os.stat(f).st_mode & 0o777 == 0o600
    assert os.stat(os.path.dirname(f)).st_mode & 0o777 == 0o700
    assert "\r\n\r\n" in mail and "Subject: " in mail
    assert c.request("POST", "/v1/auth/verify-email",
                     json_body={"token": token[:-1] + ("A" if token[-1] != "A" else "B")}
                     ).status == 400
    assert c.request("POST", "/v1/auth/verify-email", json_body={"token": token}).status == 204
    assert c.request("POST", "/v1/auth/verify-email", json_body={"token": token}).status == 400
    c.login("erin@example.com")
    assert c.json(c.request("GET", "/v1/me"))["email_verified"] is True
    # only a hash of the token is stored
    rows = db_query(srv, "SELECT token_hash FROM email_tokens")
    assert all(token.encode() not in bytes(h) for (h,) in rows)


def test_verify_email_expired_token(srv):
    c = Client(srv)
    assert c.register("frank@example.com").status == 201
    (_, mail), = [m for m in mails_to(srv, "frank@example.com") if "verify-email" in m[1]]
    token = re.search(r"token=([A-Za-z0-9_-]{43})", mail).group(1)
    db_query(srv, "UPDATE email_tokens SET expires_at = ? WHERE user_id = "
                  "(SELECT id FROM users WHERE email_canon = ?)", (int(time.time()) - 1,
                                                                  "frank@example.com"))
    assert c.request("POST", "/v1/auth/verify-email", json_body={"token": token}).status == 400


# ---- login ------------------------------------------------------------------------

def test_login_unknown_and_wrong_password_same_answer(srv):
    Client(srv).register("gina@example.com")
    a = Client(srv).login("gina@example.com", "wrong password entirely 1")
    b = Client(srv).login("nobody-here@example.com", "wrong password entirely 1")
    assert a.status == b.status == 401
    ja, jb = json.loads(a.body), json.loads(b.body)
    ja.pop("request_id"), jb.pop("request_id")
    assert ja == jb
    assert "__Host-bulwark_session" not in a.set_cookies


def test_login_needs_presession_token_and_origin(srv):
    Client(srv).register("hank@example.com")
    c = Client(srv)
    r = c.request("POST", "/v1/auth/login",
                  json_body={"email": "hank@example.com", "password": STRONG})
    assert r.status == 403  # no pre-session token
    c.presession()
    r = c.request("POST", "/v1/auth/login", headers={"Origin": "https://evil.example"},
                  json_body={"email": "hank@example.com", "password": STRONG})
    assert r.status == 403
    # the token without its cookie (login CSRF from another site)
    token = c.csrf
    c2 = Client(srv)
    c2.csrf = token
    r = c2.request("POST", "/v1/auth/login",
                   json_body={"email": "hank@example.com", "password": STRONG})
    assert r.status == 403
    assert c.login("hank@example.com").status == 200


def test_logout_deletes_server_side(srv):
    c = Client(srv)
    c.register("ivan@example.com")
    assert c.login("ivan@example.com").status == 200
    stolen = dict(c.cookies)
    r = c.request("POST", "/v1/auth/logout")
    assert r.status == 204
    assert r.set_cookies["__Host-bulwark_session"][0] == ""
    replay = Client(srv)
    replay.cookies = stolen
    assert replay.request("GET", "/v1/me").status == 401


def test_password_change_revokes_other_sessions_and_rotates(srv):
    email = "judy@example.com"
    a, b = Client(srv), Client(srv)
    a.register(email)
    assert a.login(email).status == 200
    assert b.login(email).status == 200
    old_a = a.cookies["__Host-bulwark_session"]
    r = a.request("POST", "/v1/me/password",
                  json_body={"current_password": "not the password 123", "new_password": OTHER})
    assert r.status == 400
    assert b"not the password" not in r.body
    r = a.request("POST", "/v1/me/password",
                  json_body={"current_password": STRONG, "new_password": "password123456"})
    assert r.status == 400 and b"password123456" not in r.body
    r = a.request("POST", "/v1/me/password",
                  json_body={"current_password": STRONG, "new_password": OTHER})
    assert r.status == 204, r.body
    new_a = a.cookies["__Host-bulwark_session"]
    assert new_a != old_a
    assert a.request("GET", "/v1/me").status == 200
    assert b.request("GET", "/v1/me").status == 401
    stale = Client(srv)
    stale.cookies = {"__Host-bulwark_session": old_a}
    assert stale.request("GET", "/v1/me").status == 401
    assert Client(srv).login(email, STRONG).status == 401
    assert Client(srv).login(email, OTHER).status == 200


# ---- hashes, CLI ------------------------------------------------------------------

def test_user_add_cli_and_argon2_cffi_verifies(tmp_path):
    from argon2 import PasswordHasher
    data = str(tmp_path / "data")
    p = subprocess.run([BIN, "user", "add", "--data-dir", data, "--email", "Root@Example.com",
                        "--role", "admin", "--password-stdin"], input=STRONG.encode() + b"\n",
                       capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", out["id"])
    con = sqlite3.connect(os.path.join(data, "bulwark.db"))
    (h, role, canon), = con.execute("SELECT password_hash, role, email_canon FROM users")
    con.close()
    assert canon == "root@example.com" and role == "admin"
    assert h.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert PasswordHasher().verify(h, STRONG)
    with pytest.raises(Exception):
        PasswordHasher().verify(h, STRONG + "x")
    # the same address again is refused; a weak password is refused without echo
    p = subprocess.run([BIN, "user", "add", "--data-dir", data, "--email", "root@example.com",
                        "--password-stdin"], input=STRONG.encode(), capture_output=True,
                       timeout=60)
    assert p.returncode != 0
    p = subprocess.run([BIN, "user", "add", "--data-dir", data, "--email", "x@example.com",
                        "--password-stdin"], input=b"iloveyou123456", capture_output=True,
                       timeout=60)
    assert p.returncode != 0 and b"iloveyou" not in p.stderr + p.stdout
    p = subprocess.run([BIN, "user", "add", "--data-dir", data, "--email", "y@example.com",
                        "--role", "root", "--password-stdin"], input=STRONG.encode(),
                       capture_output=True, timeout=60)
    assert p.returncode != 0
    # a user made by the CLI can log in through the server
    s = Server(data_dir=data)
    try:
        c = Client(s)
        assert c.login("root@example.com").status == 200
        assert c.json(c.request("GET", "/v1/me"))["role"] == "admin"
    finally:
        s.stop()


def test_rehash_on_login_when_parameters_change(tmp_path):
    data = str(tmp_path / "data")
    s = Server(data_dir=data, config="[auth]\nargon2_m = 8192\nargon2_t = 1\n")
    try:
        c = Client(s)
        assert c.register("kate@example.com").status == 201
        (h,), = db_query(s, "SELECT password_hash FROM users")
        assert "$m=8192,t=1,p=1$" in h
    finally:
        s.stop()
    s = Server(data_dir=data)
    try:
        assert Client(s).login("kate@example.com").status == 200
        (h,), = db_query(s, "SELECT password_hash FROM users")
        assert "$m=19456,t=2,p=1$" in h
        from argon2 import PasswordHasher
        assert PasswordHasher().verify(h, STRONG)
        assert Client(s).login("kate@example.com").status == 200
    finally:
        s.stop()


def test_security_events_are_audited_without_secrets(srv):
    email = "audited@example.com"
    a = Client(srv)
    assert a.register(email).status == 201
    assert a.register(email).status == 201  # taken
    assert Client(srv).login(email, "wrong password entirely 2").status == 401
    assert a.login(email).status == 200
    token = a.cookies["__Host-bulwark_session"]
    b = Client(srv)
    assert b.login(email).status == 200
    sid = next(i["id"] for i in a.json(a.request("GET", "/v1/me/sessions"))["items"]
               if not i["current"])
    assert a.request("DELETE", f"/v1/me/sessions/{sid}").status == 204
    assert a.request("POST", "/v1/me/password",
                     json_body={"current_password": STRONG, "new_password": OTHER}).status == 204
    a.refresh_csrf()  # the session id changed, and its token with it
    assert a.request("POST", "/v1/auth/logout").status == 204
    lines = [l for (l,) in db_query(srv, "SELECT line FROM audit_records ORDER BY seq")]
    events = [json.loads(l) for l in lines]

    def has(event, outcome):
        return any(e.get("event") == event and e.get("outcome") == outcome for e in events)

    assert has("auth.register", "success") and has("auth.register", "denied")
    assert has("auth.login", "failure") and has("auth.login", "success")
    assert has("auth.session_revoked", "success")
    assert has("auth.password_change", "success")
    assert has("auth.logout", "success")
    text = "\n".join(lines)
    for secret in [STRONG, OTHER, token, a.cookies.get("__Host-bulwark_session", token)]:
        assert secret not in text
