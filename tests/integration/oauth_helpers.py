"""What the OAuth tests share: clients registered with `bulwark client add`, a
signed-in user driving /oauth2/authorize and the consent form as a browser
would, PKCE pairs, and the token endpoint."""
import base64
import hashlib
import html
import json
import os
import re
import urllib.parse

from bulwark_server import run_bulwark
from test_accounts import Client

API_SCOPES = "whoami, notes:read"
CONFIG = ("[ratelimit]\nip_rate = 100000\nip_burst = 100000\nip_period = 1s\n"
          f"[oauth]\napi_scopes = {API_SCOPES}\nrefresh_grace = 2s\n")
REDIRECT = "https://app.example.com/cb"
LOOPBACK = "http://127.0.0.1/cb"


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def pkce():
    verifier = b64u(os.urandom(32))
    return verifier, b64u(hashlib.sha256(verifier.encode()).digest())


def add_client(srv, *args):
    r = run_bulwark("client", "add", "--data-dir", srv.data_dir, "--config", srv.config_path,
                    *args)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def user(srv, email):
    """A registered, signed-in browser user."""
    c = Client(srv)
    assert c.register(email).status == 201
    assert c.login(email).status == 200
    return c


def authorize_params(client_id, challenge, scope="openid email offline_access",
                     redirect=REDIRECT, state="st-1", nonce="n-1", **extra):
    p = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect,
         "scope": scope, "state": state, "nonce": nonce, "code_challenge": challenge,
         "code_challenge_method": "S256"}
    p.update(extra)
    return {k: v for k, v in p.items() if v is not None}


def consent_page(browser, params):
    """GET /oauth2/authorize as the signed-in browser: the consent page."""
    return browser.request("GET", "/oauth2/authorize?" + urllib.parse.urlencode(params),
                           origin=False)


def form_fields(page):
    text = page.body.decode()
    return {name: html.unescape(value) for name, value in
            re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', text)}


def decide(browser, page, decision="approve", **override):
    fields = form_fields(page)
    fields["decision"] = decision
    fields.update(override)
    body = urllib.parse.urlencode({k: v for k, v in fields.items() if v is not None}).encode()
    return browser.request("POST", "/oauth2/authorize", body=body,
                           headers={"Content-Type": "application/x-www-form-urlencoded",
                                    "X-CSRF-Token": None})


def redirect_query(r):
    loc = r.getheader("Location")
    assert loc, (r.status, r.body[:300])
    u = urllib.parse.urlsplit(loc)
    return u, dict(urllib.parse.parse_qsl(u.query))


def code_for(browser, client_id, challenge, **kw):
    """The whole front channel: consent page, approval, the code from the redirect."""
    page = consent_page(browser, authorize_params(client_id, challenge, **kw))
    assert page.status == 200, page.body[:500]
    r = decide(browser, page)
    assert r.status in (302, 303), r.body[:300]
    _, q = redirect_query(r)
    assert "code" in q, q
    return q["code"]


def token(srv, data, auth=None):
    return srv.request("POST", "/oauth2/token", data=data, auth=auth)


def exchange(srv, client, code, verifier, redirect=REDIRECT):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect,
            "code_verifier": verifier}
    if "client_secret" in client:
        return token(srv, data, auth=(client["client_id"], client["client_secret"]))
    data["client_id"] = client["client_id"]
    return token(srv, data)


def refresh(srv, client, rt):
    data = {"grant_type": "refresh_token", "refresh_token": rt}
    if "client_secret" in client:
        return token(srv, data, auth=(client["client_id"], client["client_secret"]))
    data["client_id"] = client["client_id"]
    return token(srv, data)


def whoami(srv, at):
    return srv.get("/v1/whoami", headers={"Authorization": "Bearer " + at})
