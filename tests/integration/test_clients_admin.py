"""The administrators' API for OAuth clients and users: who may call it
(anonymous 401, user 403, admin 200), CSRF and re-authentication on the
sensitive calls, registration rules, disable, pagination, and role changes
that end the target's sessions. Each refusal also checks nothing was written."""
import json
import os
import sqlite3
import subprocess

import pytest

from bulwark_server import BIN, Server
from test_accounts import STRONG, Client

CONFIG = "[ratelimit]\nip_rate = 100000\nip_burst = 100000\nip_period = 1s\n"


def add_user(srv, email, role="user"):
    p = subprocess.run([BIN, "user", "add", "--data-dir", srv.data_dir, "--email", email,
                        "--role", role, "--password-stdin"], input=STRONG.encode() + b"\n",
                       capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)["id"]


def q(srv, sql, args=()):
    con = sqlite3.connect(os.path.join(srv.data_dir, "bulwark.db"), timeout=10)
    try:
        rows = con.execute(sql, args).fetchall()
        con.commit()
        return rows
    finally:
        con.close()


@pytest.fixture(scope="module")
def srv():
    s = Server(config=CONFIG)
    s.admin_id = add_user(s, "admin@example.com", "admin")
    s.user_id = add_user(s, "user@example.com")
    yield s
    assert s.stop() == 0


@pytest.fixture(scope="module")
def admin(srv):
    c = Client(srv)
    assert c.login("admin@example.com").status == 200
    return c


@pytest.fixture(scope="module")
def user(srv):
    c = Client(srv)
    assert c.login("user@example.com").status == 200
    return c


GOOD = {"name": "Example app", "redirect_uris": ["https://app.example.com/cb"],
        "scopes": ["openid", "email"]}


def n_clients(srv):
    return q(srv, "SELECT count(*) FROM oauth_clients")[0][0]


ROUTES = [("GET", "/v1/admin/clients", None), ("POST", "/v1/admin/clients", GOOD),
          ("GET", "/v1/admin/users", None),
          ("GET", "/v1/admin/clients/AAAAAAAAAAAAAAAAAAAAAA", None),
          ("DELETE", "/v1/admin/clients/AAAAAAAAAAAAAAAAAAAAAA", None),
          ("GET", "/v1/admin/users/AAAAAAAAAAAAAAAAAAAAAA", None),
          ("PATCH", "/v1/admin/users/AAAAAAAAAAAAAAAAAAAAAA", {"role": "admin"})]


@pytest.mark.parametrize("method,path,body", ROUTES)
def test_anonymous_401_user_403(srv, user, method, path, body):
    before = n_clients(srv)
    anon = Client(srv)
    r = anon.request(method, path, json_body=body)
    assert r.status == 401, r.body
    r = user.request(method, path, json_body=body)
    assert r.status == 403, r.body
    assert n_clients(srv) == before
    assert q(srv, "SELECT role FROM users WHERE email_canon = 'user@example.com'") == [("user",)]


def test_register_list_get_disable(srv, admin):
    r = admin.request("POST", "/v1/admin/clients", json_body=GOOD)
    assert r.status == 201, r.body
    c = json.loads(r.body)
    assert len(c["client_id"]) == 22 and len(c["client_secret"]) == 43
    assert c["token_endpoint_auth_method"] == "client_secret_basic"
    assert c["confidential"] is True and c["disabled"] is False
    assert r.getheader("Cache-Control") == "no-store"
    (h,), = q(srv, "SELECT secret_hash FROM oauth_clients WHERE client_id = ?", (c["client_id"],))
    assert len(h) == 32 and c["client_secret"].encode() not in h
    # the secret is never shown again
    r = admin.request("GET", "/v1/admin/clients/" + c["client_id"])
    assert r.status == 200
    got = json.loads(r.body)
    assert "client_secret" not in got and got["redirect_uris"] == GOOD["redirect_uris"]
    r = admin.request("GET", "/v1/admin/clients?limit=100")
    ids = [x["client_id"] for x in json.loads(r.body)["items"]]
    assert c["client_id"] in ids
    assert c["client_secret"].encode() not in r.body
    # registration is audited with the admin as actor
    ev = q(srv, "SELECT line FROM audit_records WHERE line LIKE '%admin.client_register%'")
    assert any(c["client_id"] in l for (l,) in ev)
    # disable: gone for good
    r = admin.request("DELETE", "/v1/admin/clients/" + c["client_id"])
    assert r.status == 204
    assert q(srv, "SELECT disabled FROM oauth_clients WHERE client_id = ?",
             (c["client_id"],)) == [(1,)]
    r = admin.request("DELETE", "/v1/admin/clients/" + c["client_id"])
    assert r.status == 404
    r = admin.request("GET", "/v1/admin/clients/" + c["client_id"])
    assert json.loads(r.body)["disabled"] is True


def test_public_and_client_credentials_clients(srv, admin):
    r = admin.request("POST", "/v1/admin/clients", json_body={
        "name": "SPA", "redirect_uris": ["http://127.0.0.1/cb"], "scopes": ["openid"],
        "token_endpoint_auth_method": "none"})
    assert r.status == 201, r.body
    c = json.loads(r.body)
    assert "client_secret" not in c and c["confidential"] is False
    r = admin.request("POST", "/v1/admin/clients", json_body={
        "name": "Service", "scopes": ["admin"], "grant_types": ["client_credentials"],
        "token_endpoint_auth_method": "client_secret_post"})
    assert r.status == 201, r.body
    assert json.loads(r.body)["grant_types"] == ["client_credentials"]


@pytest.mark.parametrize("change", [
    {"redirect_uris": ["javascript:alert(1)"]},
    {"redirect_uris": ["https://app.example.com/cb#frag"]},
    {"redirect_uris": ["https://*.example.com/cb"]},
    {"redirect_uris": ["http://app.example.com/cb"]},
    {"redirect_uris": ["http://localhost/cb"]},
    {"redirect_uris": []},
    {"scopes": ["superuser"]},
    {"token_endpoint_auth_method": "none", "grant_types": ["client_credentials"]},
    {"token_endpoint_auth_method": "private_key_jwt"},
    {"jwks": "{\"keys\":[]}"},
    {"grant_types": ["refresh_token"]},
])
def test_bad_registrations_refused(srv, admin, change):
    before = n_clients(srv)
    r = admin.request("POST", "/v1/admin/clients", json_body={**GOOD, **change})
    assert r.status == 400, r.body
    assert b"client_secret" not in r.body
    assert n_clients(srv) == before


@pytest.mark.parametrize("body", [
    {**GOOD, "client_secret": "mine"},  # mass assignment
    {**GOOD, "grant_types": ["password"]},
    {**GOOD, "token_endpoint_auth_method": "client_secret_jwt"},
    {"redirect_uris": ["https://a.example/cb"], "scopes": ["openid"]},
])
def test_schema_refusals(srv, admin, body):
    before = n_clients(srv)
    r = admin.request("POST", "/v1/admin/clients", json_body=body)
    assert r.status == 400, r.body
    assert n_clients(srv) == before


def test_registration_needs_csrf_and_fresh_reauth(srv, admin):
    before = n_clients(srv)
    token = admin.csrf
    admin.csrf = None
    r = admin.request("POST", "/v1/admin/clients", json_body=GOOD)
    assert r.status == 403
    admin.csrf = token
    r = admin.request("POST", "/v1/admin/clients", json_body=GOOD,
                      headers={"Origin": "https://evil.example"})
    assert r.status == 403
    # a session whose last password proof is older than the window
    q(srv, "UPDATE sessions SET auth_time = auth_time - 3600")
    try:
        r = admin.request("POST", "/v1/admin/clients", json_body=GOOD)
        assert r.status == 401 and b"reauth-required" in r.body
        r = admin.request("PATCH", "/v1/admin/users/" + srv.user_id,
                          json_body={"role": "admin"})
        assert r.status == 401 and b"reauth-required" in r.body
    finally:
        q(srv, "UPDATE sessions SET auth_time = auth_time + 3600")
    assert n_clients(srv) == before
    assert q(srv, "SELECT role FROM users WHERE email_canon = 'user@example.com'") == [("user",)]


def test_users_pagination(srv, admin):
    r = admin.request("GET", "/v1/admin/users?limit=1")
    assert r.status == 200
    page = json.loads(r.body)
    assert len(page["items"]) == 1 and page["next_cursor"]
    assert set(page["items"][0]) == {"id", "email", "role", "email_verified", "created_at"}
    seen = [page["items"][0]["id"]]
    while page["next_cursor"]:
        r = admin.request("GET", "/v1/admin/users?limit=1&cursor=" + page["next_cursor"])
        assert r.status == 200
        page = json.loads(r.body)
        seen += [x["id"] for x in page["items"]]
    assert srv.admin_id in seen and srv.user_id in seen and len(seen) == len(set(seen))
    for bad in ["limit=0", "limit=101", "limit=x", "cursor=short", "other=1",
                "cursor=AAAAAAAAAAAAAAAAAAAAAA"]:
        r = admin.request("GET", "/v1/admin/users?" + bad)
        assert r.status == 400, bad
    r = admin.request("GET", "/v1/admin/users/" + srv.user_id)
    assert r.status == 200 and json.loads(r.body)["email"] == "user@example.com"
    assert b"password" not in r.body
    r = admin.request("GET", "/v1/admin/users/AAAAAAAAAAAAAAAAAAAAAA")
    assert r.status == 404


def test_role_change_ends_the_users_sessions(srv, admin):
    victim_id = add_user(srv, "promoted@example.com")
    victim = Client(srv)
    assert victim.login("promoted@example.com").status == 200
    assert victim.request("GET", "/v1/me").status == 200
    r = admin.request("PATCH", "/v1/admin/users/" + victim_id, json_body={"role": "admin"})
    assert r.status == 200, r.body
    assert json.loads(r.body)["role"] == "admin"
    # the old session, made under the old role, is gone
    assert victim.request("GET", "/v1/me").status == 401
    uid = q(srv, "SELECT id FROM users WHERE public_id = ?", (victim_id,))[0][0]
    assert q(srv, "SELECT count(*) FROM sessions WHERE user_id = ?", (uid,)) == [(0,)]
    ev = q(srv, "SELECT line FROM audit_records WHERE line LIKE '%admin.user_role%'")
    assert ev
    # and back; bad roles and mass assignment refused
    for body in [{"role": "root"}, {"role": "user", "email": "x@example.com"}, {}]:
        r = admin.request("PATCH", "/v1/admin/users/" + victim_id, json_body=body)
        assert r.status == 400
    assert q(srv, "SELECT role, email_canon FROM users WHERE id = ?", (uid,)) == [
        ("admin", "promoted@example.com")]


def test_admin_cannot_change_own_role(srv, admin):
    r = admin.request("PATCH", "/v1/admin/users/" + srv.admin_id, json_body={"role": "user"})
    assert r.status == 409
    assert q(srv, "SELECT role FROM users WHERE public_id = ?", (srv.admin_id,)) == [("admin",)]
