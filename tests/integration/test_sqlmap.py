"""sqlmap (Debian's, a real attacker's tool) against the account and session
endpoints, at level 3 / risk 2, next to a deliberately injectable control
endpoint that the same options must flag: a clean result then means something
(see the test-infra recipe on sqlmap's false negatives)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

from bulwark_server import Server, run_bulwark

HERE = os.path.dirname(os.path.abspath(__file__))
PROXY = os.path.join(HERE, "..", "attack", "sqlmap_proxy.py")
PASSWORD = "correct horse battery staple 42"
EMAIL = "alice@example.com"

pytestmark = pytest.mark.skipif(shutil.which("sqlmap") is None, reason="sqlmap is missing")


@pytest.fixture(scope="module")
def target():
    s = Server(config="[server]\ntrusted_proxies = 127.0.0.1/32\n"
                      "[ratelimit]\nip_rate = 100000\nip_burst = 100000\nip_period = 1s\n")
    r = subprocess.run([os.environ.get("BULWARK_BIN", "build/bulwark"), "user", "add",
                        "--data-dir", s.data_dir, "--email", EMAIL, "--password-stdin"],
                       input=PASSWORD.encode(), capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    # a logged-in session for the session endpoints
    csrf = s.get("/v1/auth/csrf").json()["csrf_token"]
    r = s.request("POST", "/v1/auth/login", json={"email": EMAIL, "password": PASSWORD},
                  headers={"X-CSRF-Token": csrf, "Origin": s.base})
    assert r.status_code == 200, r.text
    session = {"cookie": "__Host-bulwark_session=" + s.session.cookies["__Host-bulwark_session"],
               "csrf": r.json()["csrf_token"]}
    procs = {}
    for name, extra in (("anon", []), ("session", [json.dumps(session)])):
        p = subprocess.Popen(["/usr/bin/python3", PROXY, "127.0.0.1",
                              str(s.port), s.cert, s.base, *extra], stdout=subprocess.PIPE)
        procs[name] = (p, int(p.stdout.readline()))
    yield s, {k: v[1] for k, v in procs.items()}
    for p, _ in procs.values():
        p.terminate()
        p.wait()
        p.stdout.close()
    s.stop()


def sqlmap(url, data=None, method=None, code=200, params=None):
    d = tempfile.mkdtemp(prefix="sqlmap-")
    cmd = ["sqlmap", "--batch", "--ignore-stdin", "--disable-coloring", "--flush-session",
           "--output-dir", os.path.join(d, "out"), "-u", url, "--skip-waf",
           "--ignore-code", "401,400,403,404,409,422", "--code", str(code),
           "--level", "3", "--risk", "2", "--timeout", "5", "--retries", "0",
           "--time-sec", "2", "--threads", "4"]
    if data is not None:
        cmd += ["-H", "Content-Type: application/json", "--data", data]
    if method is not None:
        cmd += ["--method", method]
    if params is not None:
        cmd += ["-p", params]
    env = dict(os.environ, TERM="dumb", HOME=d)
    try:
        r = subprocess.run(cmd, capture_output=True, timeout=600, env=env,
                           stdin=subprocess.DEVNULL)
        log = r.stdout.decode(errors="replace")
    finally:
        shutil.rmtree(d, ignore_errors=True)
    if "sqlmap identified the following injection point" in log:
        return "finding", log
    if "do not appear to be injectable" in log:
        return "clean", log
    return "inconclusive", log


LOGIN = json.dumps({"email": EMAIL, "password": PASSWORD})


def test_control_endpoint_is_flagged(target):
    _, ports = target
    verdict, log = sqlmap(f"http://127.0.0.1:{ports['anon']}/control/login",
                          data=json.dumps({"email": "alice@example.com", "password": "x"}),
                          params="email")
    assert verdict == "finding", log[-3000:]


def test_login_is_not_injectable(target):
    _, ports = target
    verdict, log = sqlmap(f"http://127.0.0.1:{ports['anon']}/v1/auth/login", data=LOGIN)
    assert verdict == "clean", log[-3000:]


def test_register_is_not_injectable(target):
    _, ports = target
    verdict, log = sqlmap(f"http://127.0.0.1:{ports['anon']}/v1/auth/register",
                          data=json.dumps({"email": "bob@example.com",
                                           "password": "another long passphrase 7"}),
                          code=201)
    assert verdict == "clean", log[-3000:]


def test_session_endpoints_are_not_injectable(target):
    _, ports = target
    base = f"http://127.0.0.1:{ports['session']}"
    verdict, log = sqlmap(base + "/v1/me/sessions/1*", method="DELETE", code=204)
    assert verdict == "clean", log[-3000:]
    verdict, log = sqlmap(base + "/v1/me/sessions?x=1", params="x")
    assert verdict in ("clean",), log[-3000:]
