"""openid-client and jose (npm), strict relying-party libraries nobody here
wrote, run discovery, the code flow with PKCE, id_token validation, userinfo,
refresh, introspection and revocation against the running server
(tests/node/oidc_rp.mjs)."""
import json
import os
import shutil
import subprocess

import pytest

from bulwark_server import Server
from oauth_helpers import CONFIG, LOOPBACK, add_client, decide, user, whoami

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "node", "oidc_rp.mjs")
MODULES = os.path.join(HERE, "..", "node", "node_modules", "openid-client")


@pytest.fixture(scope="module")
def srv():
    if not (shutil.which("node") and os.path.isdir(MODULES)):
        pytest.fail("needs node and tests/node/node_modules (make deps-test installs them)")
    s = Server(config=CONFIG)
    yield s
    assert s.stop() == 0


def test_openid_client_code_flow(srv):
    rp = add_client(srv, "--name", "Node RP", "--redirect-uri", LOOPBACK, "--scope",
                    "openid email offline_access whoami")
    alice = user(srv, "node-rp@example.com")
    env = dict(os.environ, ISSUER=srv.base, CLIENT_ID=rp["client_id"],
               CLIENT_SECRET=rp["client_secret"], REDIRECT_URI="http://127.0.0.1:47123/cb",
               SCOPE="openid email offline_access whoami", NODE_EXTRA_CA_CERTS=srv.cert)
    p = subprocess.Popen(["node", SCRIPT], env=env, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = p.stdout.readline()
        assert first, p.stderr.read()
        url = json.loads(first)["authorize"]
        assert url.startswith(srv.base + "/oauth2/authorize?")
        page = alice.request("GET", url[len(srv.base):], origin=False)
        assert page.status == 200, page.body[:300]
        r = decide(alice, page)
        callback = r.getheader("Location")
        assert callback.startswith("http://127.0.0.1:47123/cb?")
        p.stdin.write(callback + "\n")
        p.stdin.flush()
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 0, err
    res = json.loads(out.strip().splitlines()[-1])
    assert res["email"] == "node-rp@example.com"
    assert res["userinfo"]["sub"] == res["sub"]
    assert res["access"]["header"]["alg"] == "EdDSA"
    assert res["access"]["header"]["typ"] == "at+jwt"
    assert res["access"]["client_id"] == rp["client_id"]
    assert res["id_header"]["alg"] == "RS256"
    assert res["refreshed"] is True
    assert res["introspected_active"] is True and res["after_revoke_active"] is False
    # the server refuses the token jose refused
    assert whoami(srv, res["forged_token"]).status_code == 401
