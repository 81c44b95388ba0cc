"""The server on PostgreSQL: the owner role migrates, the runtime role serves
(and has no DDL rights), an out-of-date schema stops the start, and the
account, session and audit paths work the same as on SQLite. Runs when the
throwaway cluster of scripts/with-postgres.sh is there (make test starts it)."""
import os

import pytest

from bulwark_server import Server, run_bulwark

OWNER = os.environ.get("BW_TEST_PG_OWNER")
APP = os.environ.get("BW_TEST_PG_APP")
PASSWORD = "a long and unusual passphrase 93"

if os.environ.get("BW_REQUIRE_PG") and not (OWNER and APP):
    raise RuntimeError("BW_REQUIRE_PG is set but there is no PostgreSQL test cluster")
pytestmark = pytest.mark.skipif(not (OWNER and APP), reason="no PostgreSQL test cluster")


def test_serve_refuses_an_unmigrated_schema(tmp_path):
    r = run_bulwark("serve", "--data-dir", str(tmp_path / "d"), "--listen",
                    "https://127.0.0.1:0", "--database", APP)
    assert r.returncode != 0
    assert b"database.url" in r.stderr and b"bulwark migrate" in r.stderr


def test_runtime_role_cannot_migrate(tmp_path):
    r = run_bulwark("migrate", "--data-dir", str(tmp_path / "d"), "--database", APP)
    assert r.returncode != 0
    assert b"DDL" in r.stderr or b"denied" in r.stderr


def test_owner_migrates_once(tmp_path):
    r = run_bulwark("migrate", "--data-dir", str(tmp_path / "d"), "--database", OWNER)
    assert r.returncode == 0, r.stderr
    assert b'"applied":' in r.stdout
    r = run_bulwark("migrate", "--data-dir", str(tmp_path / "d"), "--database", OWNER)
    assert r.returncode == 0 and b'"applied":0' in r.stdout


@pytest.fixture(scope="module")
def pg_server():
    s = Server(args=["--database", APP])
    yield s
    s.stop()


def test_ready_on_postgresql(pg_server):
    r = pg_server.get("/readyz")
    assert r.status_code == 200 and r.json()["database"] == "ok"
    assert any(l.get("backend") == "postgresql" for l in pg_server.events("database.ready"))


def test_accounts_and_sessions_on_postgresql(pg_server):
    s = pg_server
    csrf = s.get("/v1/auth/csrf").json()["csrf_token"]
    r = s.request("POST", "/v1/auth/register", json={"email": "pg@example.com",
                                                      "password": PASSWORD},
                  headers={"X-CSRF-Token": csrf, "Origin": s.base})
    assert r.status_code == 201, r.text
    csrf = s.get("/v1/auth/csrf").json()["csrf_token"]
    r = s.request("POST", "/v1/auth/login", json={"email": "PG@Example.com",
                                                   "password": PASSWORD},
                  headers={"X-CSRF-Token": csrf, "Origin": s.base})
    assert r.status_code == 200, r.text
    token = r.json()["csrf_token"]
    me = s.get("/v1/me")
    assert me.status_code == 200 and me.json()["email"] == "pg@example.com"
    assert len(s.get("/v1/me/sessions").json()["items"]) == 1
    r = s.request("POST", "/v1/auth/logout", headers={"X-CSRF-Token": token, "Origin": s.base})
    assert r.status_code == 204
    assert s.get("/v1/me").status_code == 401


def test_audit_chain_on_postgresql(pg_server, tmp_path):
    # the chain the server wrote verifies through the runtime role
    r = run_bulwark("audit", "verify", "--data-dir", pg_server.data_dir, "--database", APP)
    assert r.returncode == 0, r.stdout + r.stderr
    assert b'"verdict":"intact"' in r.stdout


def test_mfa_on_postgresql(pg_server):
    """Enrolment, the two-step login, replay refusal, a backup code, re-auth
    with a code and disabling, through the runtime role."""
    import json
    import time

    import pyotp

    from test_accounts import Client

    c = Client(pg_server)
    assert c.register("pg-mfa@example.com", password=PASSWORD).status == 201
    assert c.login("pg-mfa@example.com", password=PASSWORD).status == 200
    r = c.request("POST", "/v1/me/mfa/totp")
    assert r.status == 200, r.body
    totp = pyotp.TOTP(json.loads(r.body)["secret"])
    while not 3 <= time.time() % 30 <= 24:
        time.sleep(0.5)
    r = c.request("POST", "/v1/me/mfa/totp/confirm", json_body={"code": totp.at(time.time() - 30)})
    assert r.status == 200, r.body
    body = json.loads(r.body)
    c.csrf, backup = body["csrf_token"], body["backup_codes"]

    def two_step(otp):
        d = Client(pg_server)
        d.presession()
        r = d.request("POST", "/v1/auth/login",
                      json_body={"email": "pg-mfa@example.com", "password": PASSWORD})
        assert r.status == 200 and json.loads(r.body)["mfa_required"] is True, r.body
        return d.request("POST", "/v1/auth/mfa",
                         json_body={"mfa_token": json.loads(r.body)["mfa_token"], "code": otp})

    now = totp.at(time.time())
    assert two_step(now).status == 200
    assert two_step(now).status == 401  # replay
    assert two_step(backup[0]).status == 200
    assert two_step(backup[0]).status == 401
    r = c.request("POST", "/v1/auth/reauth", json_body={"code": totp.at(time.time() + 30)})
    assert r.status == 204, r.body
    assert json.loads(c.request("GET", "/v1/me/mfa").body)["backup_codes_remaining"] == 9
    assert c.request("DELETE", "/v1/me/mfa/totp").status == 204
    assert json.loads(c.request("GET", "/v1/me/mfa").body)["totp"] == "none"
