"""The pages in a real browser: tests/browser/pages.mjs drives Debian's
Chromium through playwright-core against a live server (HTTPS, self-signed),
while an attacker's HTTPS server on the same machine serves pages that
auto-submit forms against the signed-in user — reached as https://localhost:Q
(another site) and as https://127.0.0.1:Q (the same site, another port: SameSite
does not tell these apart, the Origin check must). Afterwards the server's own
state says whether anything changed. Screenshots go to $BULWARK_SHOTS (default:
a temporary directory that is removed)."""
import json
import os
import shutil
import ssl
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bulwark_server import Server
from test_accounts import Client, db_query

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "browser", "pages.mjs")
PLAYWRIGHT = os.path.join(HERE, "..", "node", "node_modules", "playwright-core")
CHROMIUM = "/usr/bin/chromium"

PASSWORD = "correct horse battery staple 42"
NEW_PASSWORD = "violet tractor summons 9 lanterns"
ATTACKER_PASSWORD = "plum harbor quietly 31 kites"
HOSTILE_UA = 'Mozilla/5.0 <script>alert("ua")</script>"onmouseover="alert(3)'

BROWSER = bool(os.path.exists(CHROMIUM) and os.path.isdir(PLAYWRIGHT) and shutil.which("node"))
# `make test` installs the browser (make deps-test): there a missing one is a failure, not a
# skip. Only a run that says so (BW_ALLOW_NO_BROWSER=1) may go without.
ALLOW_NONE = os.environ.get("BW_ALLOW_NO_BROWSER") == "1"


def test_the_browser_is_there():
    assert BROWSER or ALLOW_NONE, \
        "needs chromium, node and tests/node/node_modules (make deps-test)"


browser = pytest.mark.skipif(not BROWSER, reason="no browser, and BW_ALLOW_NO_BROWSER=1")


def attack_page(app, action, fields):
    inputs = "".join(f'<input type="hidden" name="{k}" value="{v}">' for k, v in fields.items())
    return (f'<!doctype html><title>win a prize</title><form id="f" method="post" '
            f'action="{app}{action}">{inputs}</form>'
            '<script>document.getElementById("f").submit()</script>').encode()


def start_attacker(app, srv, email, tmp):
    """One HTTPS server; its pages auto-submit forms to the app."""
    key, cert = os.path.join(tmp, "k.pem"), os.path.join(tmp, "c.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key,
                    "-out", cert], check=True, capture_output=True)
    forged = "A" * 86

    def victim_session():
        rows = db_query(srv, "SELECT s.public_id FROM sessions s JOIN users u ON u.id = "
                        "s.user_id WHERE u.email_canon = ? ORDER BY s.id", (email,))
        return rows[0][0] if rows else "A" * 22

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            name = self.path.lstrip("/").split(".")[0]
            pages = {
                # the attacker even knows the current password: still no change
                "password": ("/account/password", {"csrf_token": forged,
                                                   "current_password": NEW_PASSWORD,
                                                   "new_password": ATTACKER_PASSWORD}),
                "logout": ("/logout", {"csrf_token": forged}),
                "revoke": ("/account/sessions/revoke", {"csrf_token": forged,
                                                        "id": victim_session()}),
                # tie the victim's account to the attacker's phone
                "mfa": ("/account/mfa/totp", {"csrf_token": forged}),
                # refresh the victim's proof of identity, then off to the attacker
                "reauth": ("/reauth", {"csrf_token": forged, "password": NEW_PASSWORD,
                                       "next": "https://localhost:9/"}),
                # login CSRF: sign the victim in as the attacker
                "login": ("/login", {"csrf_token": forged, "email": "attacker@example.com",
                                     "password": ATTACKER_PASSWORD, "next": ""}),
            }
            if name not in pages:
                self.send_error(404)
                return
            body = attack_page(app, *pages[name])
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    class Server_(ThreadingHTTPServer):
        daemon_threads = True

        def finish_request(self, request, client_address):
            try:
                super().finish_request(request, client_address)
            finally:
                request.close()  # TLS sockets the browser left open, closed with their thread

    httpd = Server_(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


@browser
def test_pages_in_chromium():
    srv = Server(config="[ratelimit]\nip_rate = 100000\nip_burst = 100000\nip_period = 1s\n")
    tmp = tempfile.mkdtemp(prefix="bulwark-browser-")
    shots = os.environ.get("BULWARK_SHOTS") or os.path.join(tmp, "shots")
    os.makedirs(shots, exist_ok=True)
    email = "browser@example.com"
    httpd = None
    try:
        # attacker's account, so a login CSRF would have somewhere to go
        a = Client(srv)
        assert a.register("attacker@example.com", ATTACKER_PASSWORD).status == 201
        httpd = start_attacker(srv.base, srv, email, tmp)
        port = httpd.server_address[1]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": tmp, "TMPDIR": tmp,
               "APP": srv.base, "EVIL_CROSS": f"https://localhost:{port}",
               "EVIL_SAME": f"https://127.0.0.1:{port}", "SHOTS": shots, "EMAIL": email,
               "PASSWORD": PASSWORD, "NEW_PASSWORD": NEW_PASSWORD, "HOSTILE_UA": HOSTILE_UA}
        p = subprocess.run(["node", SCRIPT], env=env, capture_output=True, timeout=120)
        assert p.returncode == 0, (p.stdout.decode()[-3000:], p.stderr.decode()[-3000:])
        out = json.loads(p.stdout.decode().strip().splitlines()[-1])
        print(json.dumps({k: v for k, v in out.items() if k != "shots"}))

        assert out["dialogs"] == []  # no injected script ever ran
        assert "bulwark_session" not in out["document_cookie"]
        assert out["pwned"] == [None, None]
        # another site: the Lax session cookie is withheld (401), or the origin refused
        for attack, statuses in out["attacks"]["cross_site"].items():
            assert statuses and all(s in (401, 403) for s in statuses), (attack, statuses)
        # the same site on another port: the cookie comes along, the Origin check refuses
        for attack, statuses in out["attacks"]["same_site"].items():
            assert statuses and all(s == 403 for s in statuses), (attack, statuses)
        assert out["sessions_after"] == out["sessions_before"] >= 1

        # the server's own state: the password is the one the user chose, and
        # two-step verification is on (the password alone opens no session)
        c = Client(srv)
        c.presession()
        r = c.request("POST", "/v1/auth/login", json_body={"email": email,
                                                           "password": NEW_PASSWORD})
        assert r.status == 200 and json.loads(r.body).get("mfa_required") is True
        assert out["mfa"] == {"backup_codes": 10, "signed_in_with_code": True}
        assert Client(srv).login(email, ATTACKER_PASSWORD).status == 401
        events = [json.loads(l) for (l,) in db_query(srv, "SELECT line FROM audit_records")]
        changes = [e for e in events if e.get("event") == "auth.password_change"]
        assert [e.get("outcome") for e in changes] == ["failure", "success"]
        assert not [e for e in events if e.get("event") == "auth.session_revoked"]
        # the forged enrolment and re-authentication did nothing: only the page's own
        assert len([e for e in events if e.get("event") == "mfa.totp_enrol"]) == 1
        assert [e.get("outcome") for e in events if e.get("event") == "auth.reauth"] == \
            ["success", "failure", "success"]
        assert [e.get("outcome") for e in events if e.get("event") == "mfa.totp_confirm"] == \
            ["failure", "success"]
        assert [e.get("outcome") for e in events if e.get("event") == "auth.mfa"] == ["failure"]
        assert any('"auth.login"' in l and '"mfa":"totp"' in l
                   for (l,) in db_query(srv, "SELECT line FROM audit_records"))
        # the CSP violation reached /v1/csp-reports
        deadline = time.time() + 10
        while not srv.events("csp.violation") and time.time() < deadline:
            time.sleep(0.2)
        assert srv.events("csp.violation"), "no CSP report arrived"
        for path in out["shots"]:
            assert os.path.getsize(path) > 1000, path
    finally:
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
        failed = srv.events("audit.append_failed")
        assert srv.stop() == 0
        assert not failed, failed
        shutil.rmtree(tmp, ignore_errors=True)
