"""The authorization matrix: every route and method `bulwark routes` lists,
asked by every kind of principal, with the status each must get.

The route list comes from the binary, so a route added without rows here
fails test_every_route_has_rows (and its parametrised case), and a row for a
route that is gone fails too. Each cell is written out below (the profiles
are shorthand for rows that read the same); nothing is derived from the table
under test.

Principals: anonymous; sessions of a user, of another user (object routes
name the first user's object: it must answer 404, not 403, and the object
must survive) and of an admin; API keys without and with the route's scope
(a user's, an admin's); access tokens without and with the scope (a user's
and an admin's, through the authorization code flow), a client's own token
(client_credentials: no user), an expired token, and a revoked one (through
POST /oauth2/revoke: its jti on the denylist).

The expired token. The token endpoint issues at least 1-minute tokens, and a
token is refused 30 s after its exp, so waiting one out would take the whole
time budget. Instead it is signed with the server's own active access key,
opened from the database with the master key the way the server opens it
(signing_store.c): the same key, header and claims the server issues
(RFC 9068), with an exp two minutes ago. Nothing in the server issues
tokens for tests.
"""
import base64
import itertools
import json
import os
import struct
import subprocess
import time
import urllib.parse

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from bulwark_server import BIN, Server, routes
from oauth_helpers import REDIRECT, add_client, authorize_params, code_for, exchange, pkce
from test_accounts import STRONG, Client, db_query

CONFIG = ("[ratelimit]\nip_rate = 100000\nip_burst = 100000\nip_period = 1s\n"
          "[auth]\nargon2_m = 8\nargon2_t = 1\n"
          "[oauth]\napi_scopes = whoami, notes:read\n")
ZERO_ID = "AAAAAAAAAAAAAAAAAAAAAA"

# ---- the principals' columns ----------------------------------------------------

COLUMNS = ["anon", "user", "other", "admin", "key", "key_scoped", "admin_key", "bearer",
           "bearer_scoped", "admin_bearer", "client", "expired", "revoked"]

# refusals, each with its problem type
UNAUTH = (401, "unauthenticated")
SCOPE = (403, "insufficient-scope")
ROLE = (403, "forbidden")
CSRF = (403, "csrf-refused")
NOTFOUND = (404, "not-found")
REAUTH = (401, "reauth-required")


def public(status):
    """A public route: credentials change nothing."""
    return {c: status for c in COLUMNS}


def presession_form(sessions):
    """A public form behind the pre-session CSRF check: a session's own CSRF
    token passes it too (it proves the same origin as well), so sessions get
    the handler's answer; nobody else here holds a token."""
    row = public(CSRF)
    row.update(user=sessions, other=sessions, admin=sessions)
    return row


def session_only(ok, other=None, admin=None):
    """Sessions only: every bearer credential (key or token) is refused."""
    row = {c: UNAUTH for c in COLUMNS}
    row.update(user=ok, other=ok if other is None else other, admin=ok if admin is None else admin)
    return row


def page(ok):
    """A session page: without a session, a GET goes to the sign-in page."""
    row = session_only(ok)
    for c in COLUMNS:
        if row[c] == UNAUTH:
            row[c] = 303
    return row


# the user's own object: another user, an admin included, finds nothing there
OWNED = session_only(204, other=NOTFOUND, admin=NOTFOUND)


def admin_api(ok, admin_key=None, admin_bearer=None):
    """Admin API: sessions by role, keys and tokens by the admin scope and an
    admin owner (the token endpoint never grants a client's own token admin)."""
    return {"anon": UNAUTH, "user": ROLE, "other": ROLE, "admin": ok, "key": SCOPE,
            "key_scoped": SCOPE, "admin_key": ok if admin_key is None else admin_key,
            "bearer": SCOPE, "bearer_scoped": SCOPE,
            "admin_bearer": ok if admin_bearer is None else admin_bearer, "client": SCOPE,
            "expired": UNAUTH, "revoked": UNAUTH}


def oauth_client_auth(error="invalid_client"):
    """Token, revocation and introspection endpoints: only a client's own
    credentials count (none are sent here); a session or a bearer is no client."""
    return public((401, "oauth:" + error))


# ---- the rows: (method, path) -> request and expected cells ----------------------
#
# path: the concrete path, or a function of (ctx, column) that prepares what the
# cell needs (a fresh object to delete, say) and returns the path.
# json / form: the body (or a function of (ctx, column) returning it).
# before: a function of the cell's client, called first for the session columns
# (it sets up the state the row's answer depends on).
# fresh: the session columns use a new session of a new user (the call ends or
# changes it), so the shared sessions stay as they are.

CSP_REPORT = {"csp-report": {"document-uri": "https://127.0.0.1/", "violated-directive":
                             "script-src", "blocked-uri": "inline"}}
CLIENT = {"name": "Matrix app", "redirect_uris": ["https://app.example.com/cb"],
          "scopes": ["openid"]}


def alice_session_id(ctx, col):
    """A second session of the first user's, made for this cell, to revoke;
    afterwards it must be gone exactly when the cell's call succeeded."""
    extra = ctx.login(ctx.alice_email)
    ctx.after.append(lambda ok: check_gone(
        extra.request("POST", "/v1/auth/logout").status == 401, ok, col))
    return ctx.session_public_id(extra)


def alice_key_path(ctx, col):
    """A key of the first user's for this cell, checked and deleted afterwards."""
    kid, key = ctx.new_key(ctx.alice, ["profile"])

    def after(ok):
        alive = bearer_client(ctx, key).request(
            "GET", "/v1/me", headers={"Authorization": "Bearer " + key}).status == 200
        check_gone(not alive, ok, col)
        if alive:
            assert ctx.alice.request("DELETE", "/v1/me/api-keys/" + kid).status == 204

    ctx.after.append(after)
    return "/v1/me/api-keys/" + kid


_emails = itertools.count()


def unique_email():
    """Reset requests are capped per email address typed (3 an hour): one each."""
    return f"nobody{next(_emails)}@example.com"


def check_gone(gone, ok, col):
    assert gone == ok, f"as {col}: the object {'survived' if ok else 'is gone'}"


def alice_session_path(ctx, col):
    return "/v1/me/sessions/" + alice_session_id(ctx, col)


def client_path(ctx, col):
    return "/v1/admin/clients/" + ctx.client_id


def new_client_path(ctx, col):
    r = ctx.admin.request("POST", "/v1/admin/clients", json_body=CLIENT)
    assert r.status == 201, r.body
    return "/v1/admin/clients/" + json.loads(r.body)["client_id"]


def target_user_path(ctx, col):
    return "/v1/admin/users/" + ctx.target_uid


USERINFO = {c: (401, "oauth:invalid_token") for c in COLUMNS}
USERINFO.update({"bearer": 200, "bearer_scoped": 200, "admin_bearer": (403, "oauth:insufficient_scope"),
                 "client": (403, "oauth:insufficient_scope")})
USERINFO["anon"] = USERINFO["user"] = USERINFO["other"] = USERINFO["admin"] = (401, None)


def authorize_path(ctx):
    _, challenge = pkce()
    return "/oauth2/authorize?" + urllib.parse.urlencode(
        authorize_params(ctx.web["client_id"], challenge, scope="openid"))


ROWS = {
    ("GET", "/healthz"): dict(path="/healthz", expect=public(200)),
    ("GET", "/readyz"): dict(path="/readyz", expect=public(200)),
    ("GET", "/metrics"): dict(path="/metrics", expect=public(200)),  # the tests are loopback
    ("GET", "/"): dict(path="/", expect=public(200)),
    ("GET", "/static/{file}"): dict(path="/static/bulwark.css", expect=public(200)),
    ("POST", "/v1/csp-reports"): dict(path="/v1/csp-reports", raw=json.dumps(CSP_REPORT),
                                      ctype="application/csp-report", expect=public(204)),
    ("GET", "/openapi.json"): dict(path="/openapi.json", expect=public(200)),
    ("GET", "/v1/ping"): dict(path="/v1/ping", expect=public(200)),
    ("GET", "/v1/auth/csrf"): dict(path="/v1/auth/csrf", expect=public(200)),
    # pre-session forms: no principal here holds a pre-session token
    ("POST", "/v1/auth/register"): dict(path="/v1/auth/register",
                                        json={"email": "new@example.com", "password": STRONG},
                                        expect=presession_form(201)),
    ("POST", "/v1/auth/verify-email"): dict(path="/v1/auth/verify-email",
                                            json={"token": "A" * 43}, expect=public(400)),
    ("POST", "/v1/auth/login"): dict(path="/v1/auth/login",
                                     json={"email": "nobody@example.com", "password": STRONG},
                                     expect=presession_form((401, "invalid-credentials"))),
    ("POST", "/v1/auth/logout"): dict(path="/v1/auth/logout", fresh=True,
                                      expect=session_only(204)),
    ("GET", "/v1/me"): dict(path="/v1/me", expect={
        "anon": UNAUTH, "user": 200, "other": 200, "admin": 200, "key": SCOPE,
        "key_scoped": 200, "admin_key": 200, "bearer": SCOPE, "bearer_scoped": 200,
        "admin_bearer": 200, "client": SCOPE, "expired": UNAUTH,
        "revoked": UNAUTH}),
    ("POST", "/v1/me/password"): dict(path="/v1/me/password", fresh=True,
                                      json={"current_password": STRONG,
                                            "new_password": "violet tractor summons 9 lanterns"},
                                      expect=session_only(204)),
    ("GET", "/v1/me/sessions"): dict(path="/v1/me/sessions", expect=session_only(200)),
    ("DELETE", "/v1/me/sessions/{id}"): dict(path=alice_session_path,
                                             expect=OWNED),
    ("GET", "/v1/me/mfa"): dict(path="/v1/me/mfa", expect=session_only(200)),
    ("POST", "/v1/me/mfa/totp"): dict(path="/v1/me/mfa/totp", expect=session_only(200)),
    # not enrolled: turning it off is done already
    ("DELETE", "/v1/me/mfa/totp"): dict(path="/v1/me/mfa/totp", expect=session_only(204)),
    ("POST", "/v1/me/mfa/totp/confirm"): dict(path="/v1/me/mfa/totp/confirm",
                                              json={"code": "000000"},
                                              before=lambda c: c.request("DELETE",
                                                                         "/v1/me/mfa/totp"),
                                              expect=session_only((409, "mfa-not-pending"))),
    ("POST", "/v1/me/mfa/backup-codes"): dict(path="/v1/me/mfa/backup-codes",
                                              expect=session_only(409)),
    ("POST", "/v1/auth/mfa"): dict(path="/v1/auth/mfa",
                                   json={"mfa_token": "A" * 43, "code": "000000"},
                                   expect=presession_form((401, "mfa-token-invalid"))),
    ("POST", "/v1/auth/reauth"): dict(path="/v1/auth/reauth", json={"password": STRONG},
                                      expect=session_only(204)),
    ("GET", "/v1/admin/audit/verify"): dict(path="/v1/admin/audit/verify",
                                            expect=admin_api(200)),
    ("GET", "/v1/admin/audit"): dict(path="/v1/admin/audit?limit=1", expect=admin_api(200)),
    ("GET", "/login"): dict(path="/login", expect=public(200)),
    ("POST", "/login"): dict(path="/login", form={"email": "nobody@example.com",
                                                  "password": STRONG},
                             expect=presession_form(401)),
    ("GET", "/register"): dict(path="/register", expect=public(200)),
    ("POST", "/register"): dict(path="/register", form={"email": "new@example.com",
                                                        "password": STRONG},
                                expect=presession_form(303)),
    ("POST", "/logout"): dict(path="/logout", form={}, fresh=True, expect=session_only(303)),
    # the sign-in's code step: without an attempt under way (no MFA cookie) the
    # form goes back to the password
    ("GET", "/login/mfa"): dict(path="/login/mfa", expect=public(303)),
    ("POST", "/login/mfa"): dict(path="/login/mfa", form={"code": "000000"},
                                 expect=presession_form(303)),
    ("GET", "/reauth"): dict(path="/reauth", expect=page(200)),
    ("POST", "/reauth"): dict(path="/reauth", form={"password": STRONG},
                              expect=session_only(303)),
    ("POST", "/account/mfa/totp"): dict(path="/account/mfa/totp", form={},
                                        expect=session_only(200)),
    # a set-up under way and a wrong code: the set-up page again
    ("POST", "/account/mfa/confirm"): dict(path="/account/mfa/confirm", form={"code": "000000"},
                                           before=lambda c: c.request("POST", "/v1/me/mfa/totp"),
                                           expect=session_only(400)),
    ("POST", "/account/mfa/backup-codes"): dict(path="/account/mfa/backup-codes", form={},
                                                expect=session_only(303)),
    ("POST", "/account/mfa/disable"): dict(path="/account/mfa/disable", form={},
                                           expect=session_only(303)),
    ("GET", "/account"): dict(path="/account", expect=page(200)),
    ("GET", "/account/security"): dict(path="/account/security", expect=page(200)),
    ("POST", "/account/password"): dict(path="/account/password", fresh=True,
                                        form={"current_password": STRONG,
                                              "new_password": "violet tractor summons 9 lanterns"},
                                        expect=session_only(303)),
    ("GET", "/account/sessions"): dict(path="/account/sessions", expect=page(200)),
    ("POST", "/account/sessions/revoke"): dict(
        path="/account/sessions/revoke",
        form=lambda ctx, col: {"id": alice_session_id(ctx, col)},
        expect=session_only(303, other=NOTFOUND, admin=NOTFOUND)),
    ("GET", "/v1/admin/clients"): dict(path="/v1/admin/clients", expect=admin_api(200)),
    # registration is sensitive: an API key has never re-authenticated
    ("POST", "/v1/admin/clients"): dict(path="/v1/admin/clients", json=CLIENT,
                                        expect=admin_api(201, admin_key=REAUTH)),
    ("GET", "/v1/admin/clients/{id}"): dict(path=client_path, expect=admin_api(200)),
    ("DELETE", "/v1/admin/clients/{id}"): dict(path=new_client_path, expect=admin_api(204)),
    ("GET", "/v1/admin/users"): dict(path="/v1/admin/users", expect=admin_api(200)),
    ("GET", "/v1/admin/users/{id}"): dict(path=target_user_path, expect=admin_api(200)),
    ("PATCH", "/v1/admin/users/{id}"): dict(path=target_user_path, json={"role": "user"},
                                            expect=admin_api(200, admin_key=REAUTH)),
    ("POST", "/v1/auth/password-reset"): dict(path="/v1/auth/password-reset",
                                              json=lambda ctx, col: {"email": unique_email()},
                                              expect=public(202)),
    ("POST", "/v1/auth/password-reset/confirm"): dict(
        path="/v1/auth/password-reset/confirm",
        json={"token": "A" * 43, "new_password": STRONG}, expect=public(400)),
    ("GET", "/password-reset"): dict(path="/password-reset", expect=public(200)),
    ("POST", "/password-reset"): dict(path="/password-reset",
                                      form=lambda ctx, col: {"email": unique_email()},
                                      expect=presession_form(303)),
    ("GET", "/password-reset/confirm"): dict(path="/password-reset/confirm?token=" + "A" * 43,
                                             expect=public(200)),
    ("POST", "/password-reset/confirm"): dict(path="/password-reset/confirm",
                                              form={"token": "A" * 43,
                                                    "new_password": STRONG},
                                              expect=presession_form(400)),
    ("POST", "/v1/me/api-keys"): dict(path="/v1/me/api-keys",
                                      json={"name": "matrix", "scopes": ["notes:read"]},
                                      expect=session_only(201)),
    ("GET", "/v1/me/api-keys"): dict(path="/v1/me/api-keys", expect=session_only(200)),
    ("DELETE", "/v1/me/api-keys/{id}"): dict(path=alice_key_path,
                                             expect=OWNED),
    ("GET", "/.well-known/jwks.json"): dict(path="/.well-known/jwks.json", expect=public(200)),
    # tokens only, with the whoami scope; API keys are not tokens
    ("GET", "/v1/whoami"): dict(path="/v1/whoami", expect={
        "anon": UNAUTH, "user": UNAUTH, "other": UNAUTH, "admin": UNAUTH, "key": UNAUTH,
        "key_scoped": UNAUTH, "admin_key": UNAUTH, "bearer": SCOPE, "bearer_scoped": 200,
        "admin_bearer": SCOPE, "client": 200, "expired": UNAUTH,
        "revoked": UNAUTH}),
    # OAuth 2.1 / OpenID Connect
    ("GET", "/oauth2/authorize"): dict(path=lambda ctx, col: authorize_path(ctx), expect=dict(
        public(303), user=200, other=200, admin=200)),
    ("POST", "/oauth2/authorize"): dict(path="/oauth2/authorize",
                                        form={"handle": "A" * 43, "decision": "approve"},
                                        expect=session_only(400)),
    ("POST", "/oauth2/token"): dict(path="/oauth2/token",
                                    form={"grant_type": "client_credentials"},
                                    expect=oauth_client_auth()),
    # userinfo takes access tokens with the openid scope only (the handler checks)
    ("GET", "/oauth2/userinfo"): dict(path="/oauth2/userinfo", expect=USERINFO),
    ("POST", "/oauth2/userinfo"): dict(path="/oauth2/userinfo", expect=USERINFO),
    ("POST", "/oauth2/revoke"): dict(path="/oauth2/revoke", form={"token": "x"},
                                     expect=oauth_client_auth()),
    ("POST", "/oauth2/introspect"): dict(path="/oauth2/introspect", form={"token": "x"},
                                         expect=oauth_client_auth()),
    ("GET", "/.well-known/openid-configuration"): dict(
        path="/.well-known/openid-configuration", expect=public(200)),
    ("GET", "/.well-known/oauth-authorization-server"): dict(
        path="/.well-known/oauth-authorization-server", expect=public(200)),
}


# ---- tokens signed with the server's access key ----------------------------------

def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def b64u_dec(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def purpose_key(master, purpose, version=1):
    """libsodium crypto_kdf_derive_from_key (BLAKE2b) for keys.h's purpose keys."""
    subkey_id = (purpose << 32) | version
    return __import__("hashlib").blake2b(b"", digest_size=32, key=master,
                                         salt=subkey_id.to_bytes(8, "little") + bytes(8),
                                         person=b"bwkdf-v1" + bytes(8)).digest()


def hchacha20(key, nonce16):
    """HChaCha20 (draft-irtf-cfrg-xchacha §2.2): the subkey of XChaCha20."""
    def rotl(v, n):
        return ((v << n) & 0xffffffff) | (v >> (32 - n))

    def qr(s, a, b, c, d):
        s[a] = (s[a] + s[b]) & 0xffffffff; s[d] = rotl(s[d] ^ s[a], 16)
        s[c] = (s[c] + s[d]) & 0xffffffff; s[b] = rotl(s[b] ^ s[c], 12)
        s[a] = (s[a] + s[b]) & 0xffffffff; s[d] = rotl(s[d] ^ s[a], 8)
        s[c] = (s[c] + s[d]) & 0xffffffff; s[b] = rotl(s[b] ^ s[c], 7)

    s = list(struct.unpack("<4I", b"expand 32-byte k") + struct.unpack("<8I", key) +
             struct.unpack("<4I", nonce16))
    for _ in range(10):
        qr(s, 0, 4, 8, 12); qr(s, 1, 5, 9, 13); qr(s, 2, 6, 10, 14); qr(s, 3, 7, 11, 15)
        qr(s, 0, 5, 10, 15); qr(s, 1, 6, 11, 12); qr(s, 2, 7, 8, 13); qr(s, 3, 4, 9, 14)
    return struct.pack("<8I", *(s[0:4] + s[12:16]))


def xchacha_open(key, sealed, aad):
    nonce, ct = sealed[:24], sealed[24:]
    return ChaCha20Poly1305(hchacha20(key, nonce[:16])).decrypt(bytes(4) + nonce[16:], ct, aad)


class Minter:
    """Signs access tokens with the server's active access key (the expired
    token, see the module text)."""

    def __init__(self, srv):
        with open(os.path.join(srv.data_dir, "master.key"), "rb") as f:
            master = f.read()
        (kid, sealed), = db_query(srv, "SELECT kid, sealed_key FROM signing_keys WHERE "
                                       "key_use = 'access' AND state = 'active'")
        aad = b"bulwark-signing-v1\0" + kid.encode() + b"\0EdDSA\0access"
        # BW_KEY_SIGNING; an Ed25519 key is stored as its 32-byte seed
        seed = xchacha_open(purpose_key(master, 8), bytes(sealed), aad)
        self.key = Ed25519PrivateKey.from_private_bytes(seed)
        self.kid = kid
        self.base = srv.base

    def token(self, sub, scope, exp_in=300, jti=None):
        now = int(time.time())
        claims = {"iss": self.base, "aud": self.base, "sub": sub, "client_id": "matrix-client",
                  "scope": scope, "jti": jti or b64u(os.urandom(16)), "iat": now,
                  "exp": now + exp_in, "auth_time": now}
        return jwt.encode(claims, self.key, algorithm="EdDSA",
                          headers={"kid": self.kid, "typ": "at+jwt"})


# ---- the server and the principals, made once -------------------------------------

_ip = itertools.count(2)


def next_source():
    n = next(_ip)
    return f"127.0.{n // 250 + 1}.{n % 250 + 2}"


class Ctx:
    def __init__(self, srv):
        self.srv = srv
        self.n_users = 0
        self.after = []  # checks of a cell's object, given whether the call succeeded

    def add_user(self, role="user"):
        """A user through `bulwark user add` (the way the first admin is made)."""
        self.n_users += 1
        email = f"m{self.n_users}@example.com"
        p = subprocess.run([BIN, "user", "add", "--data-dir", self.srv.data_dir, "--config",
                            self.srv.config_path, "--email", email, "--role", role,
                            "--password-stdin"], input=STRONG.encode() + b"\n",
                           capture_output=True, timeout=120)
        assert p.returncode == 0, p.stderr
        return email, json.loads(p.stdout)["id"]

    def login(self, email):
        c = Client(self.srv, source=next_source())
        r = c.login(email)
        assert r.status == 200, r.body
        return c

    def session_public_id(self, c):
        r = c.request("GET", "/v1/me/sessions")
        assert r.status == 200, r.body
        return next(s["id"] for s in json.loads(r.body)["items"] if s["current"])

    def new_key(self, c, scopes):
        r = c.request("POST", "/v1/me/api-keys", json_body={"name": "m", "scopes": scopes})
        assert r.status == 201, r.body
        body = json.loads(r.body)
        return body["id"], body["key"]


def _user_token(self, browser, scope):
    """An access token through the code flow: consent as the browser, then the exchange."""
    verifier, challenge = pkce()
    code = code_for(browser, self.web["client_id"], challenge, scope=scope)
    r = exchange(self.srv, self.web, code, verifier)
    assert r.status_code == 200, r.text
    assert r.json()["scope"].split() == scope.split(), r.text
    return r.json()["access_token"]


def _client_token(self, client, scope):
    r = self.srv.request("POST", "/oauth2/token",
                         data={"grant_type": "client_credentials", "scope": scope},
                         auth=(client["client_id"], client["client_secret"]))
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


Ctx.user_token = _user_token
Ctx.client_token = _client_token


def bearer_client(ctx, credential):
    c = Client(ctx.srv, source=next_source())
    c.auth = "Bearer " + credential
    return c


@pytest.fixture(scope="module")
def ctx():
    srv = Server(config=CONFIG)
    x = Ctx(srv)
    try:
        x.alice_email, alice_id = x.add_user()
        bob_email, _ = x.add_user()
        admin_email, admin_id = x.add_user("admin")
        _, x.target_uid = x.add_user()
        x.alice, x.bob, x.admin = x.login(x.alice_email), x.login(bob_email), x.login(admin_email)
        r = x.admin.request("POST", "/v1/admin/clients", json_body=CLIENT)
        assert r.status == 201, r.body
        x.client_id = json.loads(r.body)["client_id"]
        x.web = add_client(srv, "--name", "Matrix web", "--redirect-uri", REDIRECT, "--scope",
                           "openid profile whoami notes:read admin")
        svc = add_client(srv, "--name", "Matrix service", "--grant", "client_credentials",
                         "--scope", "whoami notes:read")
        all_scopes = "openid profile whoami notes:read"
        revoked = x.user_token(x.alice, all_scopes)
        r = srv.request("POST", "/oauth2/revoke", data={"token": revoked},
                        auth=(x.web["client_id"], x.web["client_secret"]))
        assert r.status_code == 200, r.text
        x.principals = {
            "anon": Client(srv, source=next_source()),
            "user": x.alice, "other": x.bob, "admin": x.admin,
            "key": bearer_client(x, x.new_key(x.alice, ["notes:read"])[1]),
            "key_scoped": bearer_client(x, x.new_key(x.alice, ["profile", "notes:read"])[1]),
            "admin_key": bearer_client(x, x.new_key(x.admin, ["admin", "profile"])[1]),
            "bearer": bearer_client(x, x.user_token(x.alice, "openid notes:read")),
            "bearer_scoped": bearer_client(x, x.user_token(x.alice, all_scopes)),
            "admin_bearer": bearer_client(x, x.user_token(x.admin, "admin profile")),
            "client": bearer_client(x, x.client_token(svc, "whoami notes:read")),
            # past its exp by more than the 30 s of leeway (see the module text)
            "expired": bearer_client(x, Minter(srv).token(alice_id, all_scopes, exp_in=-120)),
            "revoked": bearer_client(x, revoked),
        }
        yield x
    finally:
        failed = srv.events("audit.append_failed")
        assert srv.stop() == 0
        assert not failed, failed
        assert not any("ERROR: AddressSanitizer" in l or "runtime error" in l
                       for l in srv.raw_lines)


def principal_for(ctx, row, col):
    """The cell's client: a copy (a cell's Set-Cookie stays in the cell), or a
    fresh user's session for calls that end or change it."""
    if row.get("fresh") and col in ("user", "other", "admin"):
        email, _ = ctx.add_user("admin" if col == "admin" else "user")
        c = ctx.login(email)
        c.auth = None
        return c
    base = ctx.principals[col]
    c = Client(ctx.srv, source=base.source)
    c.cookies = dict(base.cookies)
    c.csrf = base.csrf
    c.auth = getattr(base, "auth", None)
    return c


def ask(ctx, row, col):
    c = principal_for(ctx, row, col)
    if row.get("before") and col in ("user", "other", "admin"):
        assert row["before"](c).status < 300
    path = row["path"](ctx, col) if callable(row["path"]) else row["path"]
    headers = {}
    if c.auth:
        headers["Authorization"] = c.auth
    body = None
    if "json" in row:
        body = json.dumps(row["json"](ctx, col) if callable(row["json"]) else row["json"]).encode()
        headers["Content-Type"] = "application/json"
    elif "form" in row:
        form = row["form"](ctx, col) if callable(row["form"]) else dict(row["form"])
        if c.csrf and c.cookies and row["csrf"] != "none":
            form["csrf_token"] = c.csrf  # as the page's form would carry it
        from urllib.parse import urlencode
        body = urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif "raw" in row:
        body = row["raw"].encode()
        headers["Content-Type"] = row["ctype"]
    return c.request(row["method"], path, body=body, headers=headers)


def check(r, want, where):
    status, slug = want if isinstance(want, tuple) else (want, None)
    assert r.status == status, f"{where}: {r.status} {r.body[:300]!r}"
    if slug is not None and slug.startswith("oauth:"):
        # RFC 6749 §5.2 / RFC 6750 §3.1 errors, in the body or the challenge
        got = json.loads(r.body).get("error") if r.body else None
        if got is None:
            got = r.getheader("WWW-Authenticate", "")
            assert f'error="{slug[6:]}"' in got, f"{where}: {got}"
        else:
            assert got == slug[6:], f"{where}: {r.body[:300]!r}"
    elif slug is not None:
        assert r.getheader("Content-Type", "").startswith("application/problem+json"), where
        assert json.loads(r.body)["type"] == "/problems/" + slug, f"{where}: {r.body[:300]!r}"


TABLE = {(r["method"], r["path"]): r for r in routes()}
LISTED = list(TABLE)


def test_every_route_has_rows():
    missing = [k for k in LISTED if k not in ROWS]
    stale = [k for k in ROWS if k not in LISTED]
    assert not missing, f"routes without authorization matrix rows: {missing}"
    assert not stale, f"matrix rows for routes that are gone: {stale}"
    for k, row in ROWS.items():
        assert set(row["expect"]) == set(COLUMNS), k


@pytest.mark.parametrize("method,path", LISTED, ids=[f"{m} {p}" for m, p in LISTED])
def test_route(ctx, method, path):
    row = ROWS.get((method, path))
    assert row is not None, f"{method} {path}: no rows in the authorization matrix"
    row = dict(row, method=method, csrf=TABLE[(method, path)]["csrf"])
    failures = []
    for col in COLUMNS:
        want = row["expect"][col]
        try:
            ctx.after = []
            check(ask(ctx, row, col), want, f"{method} {path} as {col}")
            for after in ctx.after:
                after(not isinstance(want, tuple) and want < 400)
        except AssertionError as e:
            failures.append(str(e))
    assert not failures, "\n".join(failures)
