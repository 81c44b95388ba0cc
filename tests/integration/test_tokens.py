"""Signing keys and access tokens from outside: the JWKS as relying parties
fetch it, the bearer authenticator refusing forged tokens with the RFC 6750
challenge, and `bulwark keys rotate` against a running server."""
import base64
import json
import os
import sqlite3
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bulwark_server import Server, free_port, run_bulwark


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def b64u_dec(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


@pytest.fixture(scope="module")
def srv():
    s = Server(config="[ratelimit]\nip_rate = 100000\nip_burst = 100000\nip_period = 1s\n")
    yield s
    assert s.stop() == 0
    assert not any("ERROR: AddressSanitizer" in l or "runtime error" in l for l in s.raw_lines)


def jwks(s):
    r = s.get("/.well-known/jwks.json")
    assert r.status_code == 200
    return r.json()["keys"]


def jwks_of(s, n, within=60):
    """The JWKS once it holds n keys (a first start makes the RSA keys in the background)."""
    deadline = time.time() + within
    while True:
        keys = jwks(s)
        if len(keys) == n or time.time() > deadline:
            return keys
        time.sleep(0.25)


def test_jwks_shape(srv):
    jwks_of(srv, 4)
    r = srv.get("/.well-known/jwks.json", headers={"Origin": "https://relying.example"})
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    cc = r.headers["Cache-Control"]
    assert "max-age=" in cc and "no-store" not in cc
    # public CORS: any origin may read it, never with credentials
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in r.headers
    keys = r.json()["keys"]
    # one active and one next key per use
    assert len(keys) == 4
    assert len({k["kid"] for k in keys}) == 4
    algs = sorted(k["alg"] for k in keys)
    assert algs == ["EdDSA", "EdDSA", "RS256", "RS256"]
    for k in keys:
        assert k["use"] == "sig"
        assert len(b64u_dec(k["kid"])) == 16
        for private in ("d", "p", "q", "dp", "dq", "qi", "k"):
            assert private not in k
        if k["alg"] == "EdDSA":
            assert k["kty"] == "OKP" and k["crv"] == "Ed25519" and len(b64u_dec(k["x"])) == 32
        else:
            assert k["kty"] == "RSA" and len(b64u_dec(k["n"])) * 8 >= 2048
        # an independent JOSE implementation accepts every key
        jwt.PyJWK(k)


def test_no_token_is_a_plain_challenge(srv):
    r = srv.get("/v1/whoami")
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == "Bearer"
    assert r.headers["Content-Type"].startswith("application/problem+json")


def claims(srv, **over):
    now = int(time.time())
    c = {"iss": srv.base, "aud": srv.base, "sub": "someone", "client_id": "c1",
         "scope": "whoami", "jti": b64u(os.urandom(32)), "iat": now, "exp": now + 300}
    c.update(over)
    return c


def refused(srv, token):
    r = srv.get("/v1/whoami", headers={"Authorization": "Bearer " + token})
    assert r.status_code == 401, r.text
    assert r.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    body = r.json()
    assert body["status"] == 401
    # nothing about why: the reason is in the log only
    assert "signature" not in r.text and "kid" not in r.text


def access_kid(srv):
    return next(k for k in jwks(srv) if k["alg"] == "EdDSA")["kid"]


def test_forged_tokens_refused(srv):
    kid = access_kid(srv)
    evil = Ed25519PrivateKey.generate()
    # a key of the attacker's under a kid of its own, and under the server's kid
    refused(srv, jwt.encode(claims(srv), evil, algorithm="EdDSA",
                            headers={"kid": "attacker", "typ": "at+jwt"}))
    refused(srv, jwt.encode(claims(srv), evil, algorithm="EdDSA",
                            headers={"kid": kid, "typ": "at+jwt"}))
    # alg confusion: HS256 keyed with the server's published public key
    x = next(k for k in jwks(srv) if k["kid"] == kid)["x"]
    header = b64u(json.dumps({"alg": "HS256", "kid": kid, "typ": "at+jwt"}).encode())
    payload = b64u(json.dumps(claims(srv)).encode())
    import hashlib
    import hmac
    for secret in (b64u_dec(x), x.encode()):
        sig = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        refused(srv, f"{header}.{payload}.{b64u(sig)}")
    # alg none, and an empty signature
    none = b64u(json.dumps({"alg": "none", "kid": kid, "typ": "at+jwt"}).encode())
    refused(srv, f"{none}.{payload}.")
    refused(srv, f"{none}.{payload}.AAAA")
    # garbage of the right shape
    refused(srv, "a.b.c")
    refused(srv, "notajwt")
    assert srv.events("bearer.refused")


def test_keys_rotate_cli(fresh, tmp_path):
    s = fresh(data_dir=str(tmp_path / "data"))
    before = {k["kid"]: k for k in jwks_of(s, 4)}
    assert len(before) == 4
    r = run_bulwark("keys", "rotate", "--data-dir", s.data_dir, timeout=60)
    assert r.returncode == 0, r.stderr
    listed = json.loads(r.stdout)["keys"]
    states = {(k["use"], k["state"]) for k in listed}
    assert states == {("access", "retired"), ("access", "active"), ("access", "next"),
                      ("id", "retired"), ("id", "active"), ("id", "next")}
    # the running server publishes the new next keys within its reload interval
    after = {k["kid"]: k for k in jwks_of(s, 6, within=15)}
    assert len(after) == 6
    # the retired keys stay published: tokens they signed are still valid
    assert set(before) <= set(after)
    new = {k["kid"] for k in listed if k["state"] == "next"}
    assert new <= set(after)
    # the server audited every state change it found (the CLI never writes the chain)
    time.sleep(0.5)
    con = sqlite3.connect(os.path.join(s.data_dir, "bulwark.db"))
    lines = [r[0] for r in con.execute("SELECT line FROM audit_records")]
    con.close()
    for event, n in (("signing.key_created", 6), ("signing.key_activated", 2),
                     ("signing.key_retired", 2)):
        assert sum(f'"{event}"' in l for l in lines) == n, event
    s.stop()
    r = run_bulwark("audit", "verify", "--data-dir", s.data_dir)
    assert r.returncode == 0, r.stdout + r.stderr


def test_keys_rotate_wrong_master_key_writes_nothing(fresh, tmp_path):
    s = fresh(data_dir=str(tmp_path / "data"))
    s.stop()
    listed = json.loads(run_bulwark("keys", "list", "--data-dir", s.data_dir).stdout)
    cfg = tmp_path / "other.ini"
    cfg.write_text("[keys]\nmaster = env:OTHER_MASTER\n")
    r = run_bulwark("keys", "rotate", "--data-dir", s.data_dir, "--config", str(cfg),
                    env={"OTHER_MASTER": b64u(os.urandom(32))})
    assert r.returncode == 1
    assert b"does not open" in r.stderr
    again = json.loads(run_bulwark("keys", "list", "--data-dir", s.data_dir).stdout)
    assert again == listed


def test_tampered_key_refuses_start(tmp_path):
    data = tmp_path / "data"
    s = Server(data_dir=str(data))
    s.stop()
    con = sqlite3.connect(data / "bulwark.db")
    (sealed,) = con.execute("SELECT sealed_key FROM signing_keys WHERE key_use = 'access' "
                            "AND state = 'active'").fetchone()
    flipped = bytearray(sealed)
    flipped[40] ^= 1
    con.execute("UPDATE signing_keys SET sealed_key = ? WHERE key_use = 'access' AND "
                "state = 'active'", (bytes(flipped),))
    con.commit()
    con.close()
    r = run_bulwark("serve", "--data-dir", str(data), "--listen",
                    f"https://127.0.0.1:{free_port()}")
    assert r.returncode != 0
    assert b"signing key does not open" in r.stderr
