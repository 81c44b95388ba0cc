"""API keys: the bwk_ format and its checksum, the keyed hash at rest, scopes,
expiry, revocation, owner scoping, the per-user cap, re-authentication for
creation, and every way an attacker could present, forge or stretch a key.

Each refusal is checked together with what must not have happened (no row
written, no database lookup for a malformed key, the key still dead)."""
import hashlib
import hmac
import json
import os
import re
import time

import pytest

from bulwark_server import Server
from test_accounts import Client, db_query

KEY_RE = re.compile(r"^bwk_([0-9A-Za-z]{32})_([0-9A-Za-z]{6})$")
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
COOKIE = "__Host-bulwark_session"


def checksum(random_part):
    """The documented checksum (docs/api.md), computed independently."""
    v = int.from_bytes(hashlib.sha256(random_part.encode()).digest()[:4], "big")
    out = ""
    for _ in range(6):
        out = B62[v % 62] + out
        v //= 62
    return out


def with_checksum(random_part):
    return f"bwk_{random_part}_{checksum(random_part)}"


@pytest.fixture(scope="module")
def srv():
    s = Server(config="[ratelimit]\nip_rate = 100000\nip_burst = 100000\nip_period = 1s\n"
                      "[oauth]\napi_scopes = notes:read, notes:write\n")
    yield s
    failed = s.events("audit.append_failed")
    assert s.stop() == 0
    assert not failed, failed  # every security event was stored
    assert not any("ERROR: AddressSanitizer" in l or "runtime error" in l for l in s.raw_lines)


_n = [0]


def user(srv, role="user"):
    _n[0] += 1
    email = f"k{_n[0]}@example.com"
    assert Client(srv).register(email).status == 201
    if role != "user":
        db_query(srv, "UPDATE users SET role = ? WHERE email_canon = ?", (role, email))
    c = Client(srv)
    assert c.login(email).status == 200
    c.email = email
    c.uid = db_query(srv, "SELECT id FROM users WHERE email_canon = ?", (email,))[0][0]
    return c


def create(c, scopes=("profile",), **extra):
    body = {"name": extra.pop("name", "ci"), "scopes": list(scopes), **extra}
    return c.request("POST", "/v1/me/api-keys", json_body=body)


def new_key(c, scopes=("profile",), **extra):
    r = create(c, scopes, **extra)
    assert r.status == 201, r.body
    body = json.loads(r.body)
    return body["id"], body["key"]


def bearer(srv, key, method="GET", path="/v1/me", scheme="Bearer", **kw):
    return Client(srv).request(method, path, headers={"Authorization": f"{scheme} {key}"}, **kw)


def key_rows(srv, uid):
    return db_query(srv, "SELECT public_id FROM api_keys WHERE user_id = ?", (uid,))


def problem(r):
    return json.loads(r.body)["type"]


def refusals(srv, reason):
    return [l for l in srv.events("apikey.refused") if l.get("reason") == reason]


def wait_for(cond, timeout=5):
    """The log is read by a thread: give a line just written a moment to arrive."""
    end = time.time() + timeout
    while not cond():
        assert time.time() < end, "condition not met"
        time.sleep(0.05)


def purpose_key(master, purpose, version=1):
    """libsodium crypto_kdf_derive_from_key (BLAKE2b) for keys.h's purpose keys."""
    subkey_id = (purpose << 32) | version
    return hashlib.blake2b(b"", digest_size=32, key=master,
                           salt=subkey_id.to_bytes(8, "little") + bytes(8),
                           person=b"bwkdf-v1" + bytes(8)).digest()


def test_create_use_list_revoke(srv):
    c = user(srv)
    r = create(c, ["profile", "notes:read"], name="deploy bot")
    assert r.status == 201, r.body
    assert "no-store" in r.getheader("Cache-Control")
    body = json.loads(r.body)
    m = KEY_RE.match(body["key"])
    assert m, body["key"]
    assert checksum(m.group(1)) == m.group(2)  # the documented format, checked offline
    assert len(body["id"]) == 22 and body["expires_at"] > time.time()
    me = bearer(srv, body["key"])
    assert me.status == 200
    assert json.loads(me.body)["email"] == c.email
    # the list never shows the key or its hash
    r = c.request("GET", "/v1/me/api-keys")
    assert r.status == 200
    items = json.loads(r.body)["items"]
    assert [i["id"] for i in items] == [body["id"]]
    assert set(items[0]) == {"id", "name", "scopes", "created_at", "expires_at",
                             "last_used_at"}
    assert items[0]["name"] == "deploy bot" and items[0]["scopes"] == ["profile", "notes:read"]
    assert m.group(1) not in r.body.decode()
    # revoke: 204, then the key is dead and gone from the list
    assert c.request("DELETE", f"/v1/me/api-keys/{body['id']}").status == 204
    assert bearer(srv, body["key"]).status == 401
    assert json.loads(c.request("GET", "/v1/me/api-keys").body)["items"] == []
    assert c.request("DELETE", f"/v1/me/api-keys/{body['id']}").status == 404


def test_stored_as_hmac_sha256_under_the_purpose_key(srv):
    c = user(srv)
    kid, key = new_key(c)
    (stored,) = db_query(srv, "SELECT key_hash FROM api_keys WHERE public_id = ?", (kid,))[0]
    with open(os.path.join(srv.data_dir, "master.key"), "rb") as f:
        master = f.read()
    pk = purpose_key(master, 6)  # BW_KEY_APIKEY
    assert bytes(stored) == hmac.new(pk, key.encode(), hashlib.sha256).digest()
    # the key itself is nowhere in the database file
    with open(os.path.join(srv.data_dir, "bulwark.db"), "rb") as f:
        assert key.encode() not in f.read()


def test_forged_keys_refused_malformed_never_looked_up(srv):
    c = user(srv)
    _, key = new_key(c)
    assert bearer(srv, key).status == 200
    m = KEY_RE.match(key)
    rnd = m.group(1)
    flipped_rnd = rnd[:5] + ("A" if rnd[5] != "A" else "B") + rnd[6:]
    flipped_sum = key[:-1] + ("A" if key[-1] != "A" else "B")
    malformed = [
        f"bwk_{flipped_rnd}_{m.group(2)}",  # one character of the random part
        flipped_sum,  # one character of the checksum
        key[:-1], key + "A", "bwk_" + rnd, "bwk_" + "A" * 39,
        "bwk_" + rnd + "-" + m.group(2),  # the separator
        "bwk_" + rnd[:-1] + "_" + "_" + m.group(2),  # an underscore in the random part
    ]
    before = len(refusals(srv, "malformed"))
    for forged in malformed:
        r = bearer(srv, forged)
        assert r.status == 401, forged
        assert r.getheader("WWW-Authenticate").startswith("Bearer")
    # the checksum caught every one before any database lookup
    wait_for(lambda: len(refusals(srv, "malformed")) - before == len(malformed))
    # without the prefix it is no API key at all (and no other kind takes it)
    for other in [key.replace("bwk_", "bwK_"), key.replace("_", "-")]:
        assert bearer(srv, other).status == 401
    # a well-formed key with a valid checksum that was never issued
    before = len(refusals(srv, "unknown"))
    unknown = with_checksum("Z" * 32)
    assert KEY_RE.match(unknown)
    assert bearer(srv, unknown).status == 401
    wait_for(lambda: len(refusals(srv, "unknown")) - before == 1)
    assert bearer(srv, key).status == 200


def test_key_of_a_deleted_user(srv):
    c = user(srv)
    _, key = new_key(c)
    assert bearer(srv, key).status == 200
    # a deletion that leaves the key row behind (no cascade): the owner is still gone
    db_query(srv, "DELETE FROM sessions WHERE user_id = ?", (c.uid,))
    db_query(srv, "DELETE FROM users WHERE id = ?", (c.uid,))
    assert len(key_rows(srv, c.uid)) == 1
    assert bearer(srv, key).status == 401
    # (SQLite may hand the row id to the next user: drop the orphan the server never
    # leaves behind itself, as it deletes users with foreign keys on)
    db_query(srv, "DELETE FROM api_keys WHERE user_id = ?", (c.uid,))


def test_expired_key(srv):
    c = user(srv)
    kid, key = new_key(c)
    assert bearer(srv, key).status == 200
    db_query(srv, "UPDATE api_keys SET expires_at = ? WHERE public_id = ?",
             (int(time.time()), kid))
    before = len(refusals(srv, "expired"))
    assert bearer(srv, key).status == 401
    wait_for(lambda: len(refusals(srv, "expired")) - before == 1)
    assert json.loads(c.request("GET", "/v1/me/api-keys").body)["items"] == []


def test_key_only_in_the_authorization_header(srv):
    c = user(srv)
    _, key = new_key(c)
    anon = Client(srv)
    # as a cookie, in the query string, under another scheme or none
    assert anon.request("GET", "/v1/me", headers={"Cookie": f"{COOKIE}={key}"}).status == 401
    assert anon.request("GET", f"/v1/me?access_token={key}").status in (400, 401)
    assert anon.request("GET", f"/v1/me?api_key={key}").status in (400, 401)
    assert bearer(srv, key, scheme="Basic").status == 401
    assert anon.request("GET", "/v1/me", headers={"Authorization": key}).status == 401
    assert anon.request("GET", "/v1/me",
                        headers={"Authorization": f"Bearer  {key}"}).status == 401
    # the scheme is case-insensitive (RFC 9110), the key is not
    assert bearer(srv, key, scheme="bearer").status == 200
    assert bearer(srv, key.lower()).status == 401


def test_a_bad_key_is_not_rescued_by_a_good_cookie(srv):
    c = user(srv)
    r = c.request("GET", "/v1/me", headers={"Authorization": "Bearer " + with_checksum("Q" * 32)})
    assert r.status == 401
    assert c.request("GET", "/v1/me").status == 200


def test_scope_checks(srv):
    c = user(srv)
    _, notes_only = new_key(c, ["notes:read"])
    r = bearer(srv, notes_only)
    assert r.status == 403 and problem(r) == "/problems/insufficient-scope"
    _, profile = new_key(c, ["profile"])
    assert bearer(srv, profile).status == 200
    # a user's key on an admin route: neither the scope nor the role is there
    r = bearer(srv, profile, path="/v1/admin/audit/verify")
    assert r.status == 403


def test_creation_refusals_write_nothing(srv):
    c = user(srv)
    bad = [
        (["profile"] * 2, 400),  # duplicates
        ([], 400),  # no scope
        (["openid"], 400), (["offline_access"], 400), (["notes:delete"], 400),
        (["Profile"], 400), (["pro file"], 400), (["x" * 65], 400),
        ([f"s{i}" for i in range(17)], 400),  # too many
        (["admin"], 403), (["profile", "admin"], 403),  # admin by a non-admin
    ]
    for scopes, status in bad:
        r = create(c, scopes)
        assert r.status == status, (scopes, r.body)
    for extra in [{"expires_in": 59}, {"expires_in": 365 * 86400 + 1}, {"expires_in": "60"},
                  {"expires_in": 3600.5}, {"name": ""}, {"name": "x" * 101},
                  {"user_id": 1}, {"key": "bwk_x"}]:
        r = create(c, ["profile"], **extra)
        assert r.status == 400, (extra, r.body)
    assert key_rows(srv, c.uid) == []


def test_creation_needs_a_session_with_recent_authentication(srv):
    c = user(srv)
    _, key = new_key(c, ["profile", "notes:write"])
    # an API key cannot mint, list or revoke keys
    body = {"name": "x", "scopes": ["profile"]}
    r = bearer(srv, key, "POST", "/v1/me/api-keys", json_body=body)
    assert r.status == 401
    assert bearer(srv, key, "GET", "/v1/me/api-keys").status == 401
    assert len(key_rows(srv, c.uid)) == 1
    # a session whose last password proof is older than the window
    db_query(srv, "UPDATE sessions SET auth_time = auth_time - 301 WHERE user_id = ?", (c.uid,))
    r = create(c)
    assert r.status == 401 and problem(r) == "/problems/reauth-required"
    assert len(key_rows(srv, c.uid)) == 1
    # a fresh login is a fresh proof
    assert c.login(c.email).status == 200
    assert create(c).status == 201


def test_creation_and_revocation_need_csrf(srv):
    c = user(srv)
    kid, _ = new_key(c)
    token, c.csrf = c.csrf, None
    assert create(c).status == 403
    assert c.request("DELETE", f"/v1/me/api-keys/{kid}").status == 403
    c.csrf = token
    assert len(key_rows(srv, c.uid)) == 1


def test_another_users_key_is_not_found(srv):
    a, b = user(srv), user(srv)
    kid, key = new_key(a)
    assert b.request("DELETE", f"/v1/me/api-keys/{kid}").status == 404
    assert json.loads(b.request("GET", "/v1/me/api-keys").body)["items"] == []
    assert bearer(srv, key).status == 200
    assert len(key_rows(srv, a.uid)) == 1
    # a malformed id is a 404 too, never a 400 that tells ids apart
    assert a.request("DELETE", "/v1/me/api-keys/short").status == 404


def test_session_only_routes_refuse_keys(srv):
    c = user(srv)
    _, key = new_key(c, ["profile", "email", "notes:read", "notes:write"])
    for method, path in [("GET", "/v1/me/sessions"), ("GET", "/v1/me/api-keys"),
                         ("POST", "/v1/me/password"), ("POST", "/v1/auth/logout")]:
        r = bearer(srv, key, method, path, json_body={} if method == "POST" else None)
        assert r.status == 401, path
    assert c.request("GET", "/v1/me/sessions").status == 200  # the session still works


def test_last_used_written_at_most_once_a_minute(srv):
    c = user(srv)
    kid, key = new_key(c)
    (used,) = db_query(srv, "SELECT last_used_at FROM api_keys WHERE public_id = ?", (kid,))[0]
    assert used is None
    assert bearer(srv, key).status == 200
    (used,) = db_query(srv, "SELECT last_used_at FROM api_keys WHERE public_id = ?", (kid,))[0]
    assert used >= int(time.time()) - 5
    back = int(time.time()) - 30
    db_query(srv, "UPDATE api_keys SET last_used_at = ? WHERE public_id = ?", (back, kid))
    for _ in range(3):
        assert bearer(srv, key).status == 200
    (used,) = db_query(srv, "SELECT last_used_at FROM api_keys WHERE public_id = ?", (kid,))[0]
    assert used == back  # 30 s ago: not written again
    back = int(time.time()) - 61
    db_query(srv, "UPDATE api_keys SET last_used_at = ? WHERE public_id = ?", (back, kid))
    assert bearer(srv, key).status == 200
    (used,) = db_query(srv, "SELECT last_used_at FROM api_keys WHERE public_id = ?", (kid,))[0]
    assert used >= int(time.time()) - 5
    items = json.loads(c.request("GET", "/v1/me/api-keys").body)["items"]
    assert items[0]["last_used_at"] == used


def test_expiry_default_and_bounds(srv):
    c = user(srv)
    now = int(time.time())
    r = create(c)
    assert abs(json.loads(r.body)["expires_at"] - (now + 90 * 86400)) <= 5
    r = create(c, expires_in=60)
    assert abs(json.loads(r.body)["expires_at"] - (now + 60)) <= 5
    r = create(c, expires_in=365 * 86400)
    assert r.status == 201


def test_per_user_cap(srv):
    c = user(srv)
    for _ in range(20):
        new_key(c)
    r = create(c)
    assert r.status == 409 and problem(r) == "/problems/api-key-limit"
    assert len(key_rows(srv, c.uid)) == 20
    # expired keys do not count: they are purged at the next creation
    db_query(srv, "UPDATE api_keys SET expires_at = 1 WHERE id = (SELECT MIN(id) FROM "
                  "api_keys WHERE user_id = ?)", (c.uid,))
    assert create(c).status == 201
    assert len(key_rows(srv, c.uid)) == 20


def test_admin_keys(srv):
    adm = user(srv, role="admin")
    # an admin key lives 30 days at most (and by default)
    now = int(time.time())
    assert create(adm, ["admin"], expires_in=30 * 86400 + 1).status == 400
    kid, key = new_key(adm, ["admin"])
    (exp,) = db_query(srv, "SELECT expires_at FROM api_keys WHERE public_id = ?", (kid,))[0]
    assert abs(exp - (now + 30 * 86400)) <= 5
    assert bearer(srv, key, path="/v1/admin/audit/verify").status == 200
    # the admin's key without the admin scope: the scope is missing
    _, plain = new_key(adm, ["profile"])
    r = bearer(srv, plain, path="/v1/admin/audit/verify")
    assert r.status == 403 and problem(r) == "/problems/insufficient-scope"
    # a key is never a recent proof: it cannot be used for a sensitive action
    assert bearer(srv, key, "POST", "/v1/me/api-keys",
                  json_body={"name": "x", "scopes": ["admin"]}).status == 401
    # the owner is demoted: the key is held to the owner's current role
    db_query(srv, "UPDATE users SET role = 'user' WHERE id = ?", (adm.uid,))
    assert bearer(srv, key, path="/v1/admin/audit/verify").status == 403
    db_query(srv, "UPDATE users SET role = 'admin' WHERE id = ?", (adm.uid,))
    assert bearer(srv, key, path="/v1/admin/audit/verify").status == 200


def test_creation_and_revocation_are_audited_without_the_key(srv):
    c = user(srv)
    kid, key = new_key(c, ["profile"])
    assert create(c, ["admin"]).status == 403
    assert c.request("DELETE", f"/v1/me/api-keys/{kid}").status == 204
    lines = [l for (l,) in db_query(srv, "SELECT line FROM audit_records ORDER BY seq")]
    events = [json.loads(l) for l in lines]
    mine = [e for e in events if e.get("event", "").startswith("apikey.")
            and kid in json.dumps(e)]
    assert {(e["event"], e["outcome"]) for e in mine} == {("apikey.created", "success"),
                                                          ("apikey.revoked", "success")}
    assert any(e.get("event") == "apikey.created" and e.get("outcome") == "failure"
               for e in events)
    text = "\n".join(lines)
    assert key not in text and KEY_RE.match(key).group(1) not in text
