"""`bulwark client add`: what it registers, what it prints once, and every
redirect URI and option it must refuse (RFC 8252, RFC 9700 §4.1)."""
import json
import os
import sqlite3

import pytest

from bulwark_server import Server, run_bulwark


@pytest.fixture(scope="module")
def srv():
    s = Server()
    yield s
    s.stop()


def add(srv, *args):
    return run_bulwark("client", "add", "--data-dir", srv.data_dir, *args)


def clients(srv):
    with sqlite3.connect(os.path.join(srv.data_dir, "bulwark.db")) as c:
        return c.execute("SELECT client_id, name, auth_method, secret_hash, redirect_uris, "
                         "scopes, grant_types FROM oauth_clients").fetchall()


def test_confidential_client_gets_its_secret_once(srv):
    r = add(srv, "--name", "Example", "--redirect-uri", "https://app.example.com/cb",
            "--redirect-uri", "http://127.0.0.1/cb", "--scope", "openid email")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert len(out["client_id"]) == 22
    assert len(out["client_secret"]) == 43
    assert out["token_endpoint_auth_method"] == "client_secret_basic"
    assert out["redirect_uris"] == ["https://app.example.com/cb", "http://127.0.0.1/cb"]
    assert out["scopes"] == ["openid", "email"]
    assert out["grant_types"] == ["authorization_code", "refresh_token"]
    row = [c for c in clients(srv) if c[0] == out["client_id"]][0]
    # stored as a 32-byte keyed hash, never as the secret
    assert isinstance(row[3], bytes) and len(row[3]) == 32
    assert out["client_secret"].encode() not in row[3]
    with open(os.path.join(srv.data_dir, "bulwark.db"), "rb") as f:
        assert out["client_secret"].encode() not in f.read()
    assert out["client_secret"] not in r.stderr.decode()


def test_public_client_has_no_secret(srv):
    r = add(srv, "--name", "Native", "--public", "--redirect-uri", "com.example.app:/cb")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert "client_secret" not in out
    assert out["token_endpoint_auth_method"] == "none"
    row = [c for c in clients(srv) if c[0] == out["client_id"]][0]
    assert row[3] is None


def test_client_credentials_client(srv):
    r = add(srv, "--name", "Service", "--grant", "client_credentials", "--scope", "admin",
            "--auth-method", "client_secret_post")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["grant_types"] == ["client_credentials"]
    assert out["redirect_uris"] == []
    assert out["token_endpoint_auth_method"] == "client_secret_post"


BAD_REDIRECTS = [
    "javascript:alert(1)",
    "data:text/html,x",
    "https://app.example.com/cb#fragment",
    "https://*.example.com/cb",
    "https://app.example.com/*",
    "http://app.example.com/cb",
    "http://localhost/cb",
    "http://localhost:8080/cb",
    "http://127.0.0.2/cb",
    "https://user:pw@app.example.com/cb",
    "/relative",
    "myapp:/cb",
    "https://app.example.com/c b",
]


@pytest.mark.parametrize("uri", BAD_REDIRECTS)
def test_bad_redirect_uris_refused(srv, uri):
    before = clients(srv)
    r = add(srv, "--name", "Bad", "--redirect-uri", uri)
    assert r.returncode == 2, (uri, r.stdout)
    assert r.stdout == b""
    assert b"redirect_uris" in r.stderr
    assert clients(srv) == before  # nothing written


@pytest.mark.parametrize("args,word", [
    (["--name", "X"], b"redirect_uris"),  # authorization_code needs a redirect URI
    (["--redirect-uri", "https://a.example/cb"], b"--name"),
    (["--name", "X", "--redirect-uri", "https://a.example/cb", "--scope", "superuser"],
     b"scopes"),
    (["--name", "X", "--public", "--grant", "client_credentials", "--scope", "admin"],
     b"grant_types"),
    (["--name", "X", "--public", "--auth-method", "client_secret_basic",
      "--redirect-uri", "https://a.example/cb"], b"token_endpoint_auth_method"),
    (["--name", "X", "--auth-method", "private_key_jwt",
      "--redirect-uri", "https://a.example/cb"], b"jwks"),
    (["--name", "X", "--auth-method", "client_secret_jwt",
      "--redirect-uri", "https://a.example/cb"], b"--auth-method"),
    (["--name", "X", "--grant", "password", "--redirect-uri", "https://a.example/cb"],
     b"--grant"),
    (["--name", "X", "--redirect-uri"], b"incomplete"),
    (["--name", "X", "--bogus"], b"unknown"),
])
def test_bad_options_refused(srv, args, word):
    before = clients(srv)
    r = add(srv, *args)
    assert r.returncode == 2, r.stdout
    assert word in r.stderr, r.stderr
    assert clients(srv) == before


def test_jwks_file_must_hold_public_keys(srv, tmp_path):
    from cryptography.hazmat.primitives.asymmetric import ed25519
    from jwt.algorithms import OKPAlgorithm

    key = ed25519.Ed25519PrivateKey.generate()
    pub = json.loads(OKPAlgorithm.to_jwk(key.public_key()))
    pub.update(alg="EdDSA", kid="k1", use="sig")
    priv = json.loads(OKPAlgorithm.to_jwk(key))
    priv.update(alg="EdDSA", kid="k1")
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps({"keys": [pub]}))
    bad.write_text(json.dumps({"keys": [priv]}))  # a private key has no place here
    before = clients(srv)
    r = add(srv, "--name", "PKJ", "--redirect-uri", "https://a.example/cb", "--jwks-file",
            str(bad))
    assert r.returncode == 2 and b"jwks" in r.stderr
    assert clients(srv) == before
    r = add(srv, "--name", "PKJ", "--redirect-uri", "https://a.example/cb", "--jwks-file",
            str(good))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["token_endpoint_auth_method"] == "private_key_jwt"
    assert "client_secret" not in out


def test_help():
    r = run_bulwark("client", "add", "--help")
    assert r.returncode == 0
    assert b"--redirect-uri" in r.stdout and b"--jwks-file" in r.stdout
    r = run_bulwark("client", "--help")
    assert r.returncode == 0
    r = run_bulwark("client")
    assert r.returncode == 2
