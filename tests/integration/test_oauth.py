"""The OAuth 2.1 / OpenID Connect provider, attacked and checked end to end:
the code flow with PKCE, consent, single-use codes, refresh rotation with its
grace window and reuse detection, client_credentials, revocation and
introspection, discovery; tokens verified by PyJWT's PyJWKClient, the flow
driven by Authlib (independent implementations)."""
import json
import ssl
import time
import urllib.parse
import urllib.request

import jwt
import pytest
from authlib.integrations.requests_client import OAuth2Session

from bulwark_server import Server, run_bulwark
from oauth_helpers import (CONFIG, LOOPBACK, REDIRECT, add_client, authorize_params, code_for,
                           consent_page, decide, exchange, form_fields, pkce, redirect_query,
                           refresh, token, user, whoami)
from test_accounts import Client, db_query


@pytest.fixture(scope="module")
def srv():
    s = Server(config=CONFIG)
    s.web = add_client(s, "--name", "Web <App>", "--redirect-uri", REDIRECT, "--redirect-uri",
                       LOOPBACK, "--scope", "openid profile email offline_access whoami")
    s.other = add_client(s, "--name", "Other", "--redirect-uri", REDIRECT, "--scope",
                         "openid offline_access whoami")
    s.native = add_client(s, "--name", "Native", "--public", "--redirect-uri", LOOPBACK,
                          "--scope", "openid offline_access whoami")
    s.svc = add_client(s, "--name", "Service", "--grant", "client_credentials", "--scope",
                       "whoami notes:read")
    s.alice = user(s, "alice@example.com")
    yield s
    failed = s.events("audit.append_failed")
    assert s.stop() == 0
    assert not failed, failed


def basic(c):
    return (c["client_id"], c["client_secret"])


def jwks_client(srv):
    """PyJWKClient (PyJWT 2.6) fetches with urllib: trust the server's own
    certificate through the installed opener."""
    ctx = ssl.create_default_context(cafile=srv.cert)
    urllib.request.install_opener(
        urllib.request.build_opener(urllib.request.HTTPSHandler(context=ctx)))
    return jwt.PyJWKClient(srv.base + "/.well-known/jwks.json", cache_keys=False)


def full_flow(srv, client=None, browser=None, scope="openid email offline_access whoami",
              **kw):
    client = client or srv.web
    browser = browser or srv.alice
    verifier, challenge = pkce()
    redirect = kw.pop("redirect", REDIRECT)
    code = code_for(browser, client["client_id"], challenge, scope=scope, redirect=redirect,
                    **kw)
    r = exchange(srv, client, code, verifier, redirect=redirect)
    assert r.status_code == 200, r.text
    return r.json()


# ---- discovery ------------------------------------------------------------------

def test_discovery_documents(srv):
    oidc = srv.get("/.well-known/openid-configuration").json()
    oauth = srv.get("/.well-known/oauth-authorization-server").json()
    assert oidc == oauth
    assert oidc["issuer"] == srv.base
    for ep, path in (("authorization_endpoint", "/oauth2/authorize"),
                     ("token_endpoint", "/oauth2/token"),
                     ("userinfo_endpoint", "/oauth2/userinfo"),
                     ("revocation_endpoint", "/oauth2/revoke"),
                     ("introspection_endpoint", "/oauth2/introspect"),
                     ("jwks_uri", "/.well-known/jwks.json")):
        assert oidc[ep] == srv.base + path
    assert oidc["code_challenge_methods_supported"] == ["S256"]
    assert oidc["response_types_supported"] == ["code"]
    assert "client_credentials" in oidc["grant_types_supported"]
    assert "password" not in oidc["grant_types_supported"]
    assert "implicit" not in oidc["grant_types_supported"]
    assert {"whoami", "notes:read", "openid"} <= set(oidc["scopes_supported"])
    assert "none" not in oidc["introspection_endpoint_auth_methods_supported"]


# ---- the code flow --------------------------------------------------------------

def test_code_flow_tokens_verify_with_pyjwkclient(srv):
    t = full_flow(srv, nonce="nonce-42")
    assert t["token_type"] == "Bearer" and t["expires_in"] > 0
    assert set(t["scope"].split()) == {"openid", "email", "offline_access", "whoami"}
    jc = jwks_client(srv)
    at_key = jc.get_signing_key_from_jwt(t["access_token"])
    assert jwt.get_unverified_header(t["access_token"])["typ"] == "at+jwt"
    at = jwt.decode(t["access_token"], at_key.key, algorithms=["EdDSA"], audience=srv.base,
                    issuer=srv.base)
    assert at["client_id"] == srv.web["client_id"] and at["jti"]
    idt_key = jc.get_signing_key_from_jwt(t["id_token"])
    idt = jwt.decode(t["id_token"], idt_key.key, algorithms=["RS256"],
                     audience=srv.web["client_id"], issuer=srv.base)
    assert jwt.get_unverified_header(t["id_token"])["alg"] == "RS256"
    assert idt["nonce"] == "nonce-42" and idt["sub"] == at["sub"]
    assert idt["email"] == "alice@example.com"
    # at_hash binds the id_token to this access token (OIDC Core §3.1.3.6)
    import base64
    import hashlib
    half = hashlib.sha256(t["access_token"].encode()).digest()[:16]
    assert idt["at_hash"] == base64.urlsafe_b64encode(half).rstrip(b"=").decode()
    # the access token works, and userinfo answers for it
    w = whoami(srv, t["access_token"])
    assert w.status_code == 200 and w.json()["sub"] == at["sub"]
    u = srv.get("/oauth2/userinfo", headers={"Authorization": "Bearer " + t["access_token"]})
    assert u.status_code == 200
    assert u.json() == {"sub": at["sub"], "email": "alice@example.com", "email_verified": False}
    assert "no-store" in u.headers["Cache-Control"]


def test_refresh_token_only_with_offline_access(srv):
    t = full_flow(srv, scope="openid whoami")
    assert "refresh_token" not in t and "id_token" in t
    t = full_flow(srv, scope="whoami")
    assert "refresh_token" not in t and "id_token" not in t


def test_state_and_iss_come_back(srv):
    _, challenge = pkce()
    page = consent_page(srv.alice, authorize_params(srv.web["client_id"], challenge,
                                                    state="x y&z"))
    u, q = redirect_query(decide(srv.alice, page))
    assert urllib.parse.urlunsplit(u._replace(query="")) == REDIRECT
    assert q["state"] == "x y&z" and q["iss"] == srv.base


def test_loopback_redirect_any_port_but_not_localhost(srv):
    t = full_flow(srv, redirect="http://127.0.0.1:53123/cb")
    assert "access_token" in t
    _, challenge = pkce()
    for bad in ("http://localhost:53123/cb", "http://127.0.0.1:53123/cb/extra",
                "https://app.example.com/cb?x=1", "https://evil.example/cb",
                "https://app.example.com/CB"):
        r = consent_page(srv.alice, authorize_params(srv.web["client_id"], challenge,
                                                     redirect=bad))
        # never redirected to an unregistered address: an error page here
        assert r.status == 400, bad
        assert r.getheader("Location") is None
        assert b"evil" not in r.body


def test_unknown_client_gets_an_error_page_not_a_redirect(srv):
    _, challenge = pkce()
    r = consent_page(srv.alice, authorize_params("nobody-at-all", challenge))
    assert r.status == 400 and r.getheader("Location") is None


@pytest.mark.parametrize("change,error", [
    ({"code_challenge_method": "plain"}, "invalid_request"),
    ({"code_challenge_method": None}, "invalid_request"),
    ({"code_challenge": None}, "invalid_request"),
    ({"code_challenge": "short"}, "invalid_request"),
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"response_type": "code id_token"}, "unsupported_response_type"),
    ({"scope": "openid superuser"}, "invalid_scope"),
    ({"scope": "openid profile notes:read"}, "invalid_scope"),  # not the client's
    ({"response_mode": "fragment"}, "invalid_request"),
    ({"request": "eyJ.x.y"}, "request_not_supported"),
])
def test_bad_authorization_requests_go_back_with_an_error(srv, change, error):
    _, challenge = pkce()
    p = authorize_params(srv.web["client_id"], challenge)
    p.update(change)
    p = {k: v for k, v in p.items() if v is not None}
    r = consent_page(srv.alice, p)
    assert r.status in (302, 303), r.body[:300]
    _, q = redirect_query(r)
    assert q["error"] == error and q["state"] == "st-1" and "code" not in q


def test_no_session_goes_to_login_and_prompt_none_does_not(srv):
    _, challenge = pkce()
    anon = Client(srv)
    r = consent_page(anon, authorize_params(srv.web["client_id"], challenge))
    assert r.status in (302, 303)
    loc = r.getheader("Location")
    assert loc.startswith("/login?next=%2Foauth2%2Fauthorize")
    r = consent_page(anon, authorize_params(srv.web["client_id"], challenge, prompt="none"))
    _, q = redirect_query(r)
    assert q["error"] == "login_required"


def test_consent_page_escapes_and_deny_means_access_denied(srv):
    _, challenge = pkce()
    page = consent_page(srv.alice, authorize_params(srv.web["client_id"], challenge))
    assert page.status == 200
    assert b"Web &lt;App&gt;" in page.body and b"Web <App>" not in page.body
    assert "frame-ancestors 'none'" in page.getheader("Content-Security-Policy")
    _, q = redirect_query(decide(srv.alice, page, decision="deny"))
    assert q["error"] == "access_denied" and "code" not in q
    # anything but an explicit approval is a refusal
    page = consent_page(srv.alice, authorize_params(srv.web["client_id"], challenge))
    _, q = redirect_query(decide(srv.alice, page, decision="APPROVE"))
    assert q["error"] == "access_denied"


def test_consent_cannot_be_forged(srv):
    _, challenge = pkce()
    page = consent_page(srv.alice, authorize_params(srv.web["client_id"], challenge))
    before = db_query(srv, "SELECT count(*) FROM oauth_codes")[0][0]
    # without the CSRF token, with a wrong one, from another site
    assert decide(srv.alice, page, csrf_token=None).status == 403
    assert decide(srv.alice, page, csrf_token="A" * 43).status == 403
    fields = form_fields(page)
    fields["decision"] = "approve"
    body = urllib.parse.urlencode(fields).encode()
    r = srv.alice.request("POST", "/oauth2/authorize", body=body,
                          headers={"Content-Type": "application/x-www-form-urlencoded",
                                   "Origin": "https://evil.example", "X-CSRF-Token": None})
    assert r.status == 403
    # another signed-in user cannot answer alice's request with its own session
    mallory = user(srv, "mallory@example.com")
    mallory_page = consent_page(mallory, authorize_params(srv.web["client_id"], challenge))
    r = decide(mallory, mallory_page, handle=form_fields(page)["handle"])
    assert r.status == 400 and r.getheader("Location") is None
    assert db_query(srv, "SELECT count(*) FROM oauth_codes")[0][0] == before
    # the handle is single-use: alice's real approval still works once
    assert decide(srv.alice, page).status in (302, 303)
    assert decide(srv.alice, page).status == 400


# ---- the token endpoint: codes and PKCE ------------------------------------------

def test_pkce_verifier_must_match(srv):
    verifier, challenge = pkce()
    code = code_for(srv.alice, srv.web["client_id"], challenge)
    for wrong in (pkce()[0], challenge, verifier[:-1], verifier + "A"):
        r = exchange(srv, srv.web, code, wrong)
        assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    # a guess without the verifier (256 random bits) cannot burn the client's code
    r = exchange(srv, srv.web, code, verifier)
    assert r.status_code == 200
    assert exchange(srv, srv.web, code, verifier).status_code == 400


def test_code_bound_to_client_and_redirect(srv):
    verifier, challenge = pkce()
    code = code_for(srv.alice, srv.web["client_id"], challenge)
    r = exchange(srv, srv.other, code, verifier)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    verifier, challenge = pkce()
    code = code_for(srv.alice, srv.web["client_id"], challenge)
    r = exchange(srv, srv.web, code, verifier, redirect=LOOPBACK)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_reused_code_revokes_what_it_issued(srv):
    verifier, challenge = pkce()
    code = code_for(srv.alice, srv.web["client_id"], challenge,
                    scope="openid offline_access whoami")
    first = exchange(srv, srv.web, code, verifier)
    assert first.status_code == 200
    t = first.json()
    assert whoami(srv, t["access_token"]).status_code == 200
    again = exchange(srv, srv.web, code, verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    # RFC 9700 §4.3.1: what the code issued is revoked
    assert whoami(srv, t["access_token"]).status_code == 401
    assert refresh(srv, srv.web, t["refresh_token"]).status_code == 400


def test_code_and_refresh_tokens_are_stored_hashed(srv):
    t = full_flow(srv)
    with open(srv.data_dir + "/bulwark.db", "rb") as f:
        db = f.read()
    assert t["refresh_token"].encode() not in db
    assert t["access_token"].encode() not in db


# ---- refresh rotation --------------------------------------------------------------

def test_refresh_rotates_and_grace_retry_gets_the_same_pair(srv):
    t = full_flow(srv)
    r1 = refresh(srv, srv.web, t["refresh_token"])
    assert r1.status_code == 200, r1.text
    n1 = r1.json()
    assert n1["refresh_token"] != t["refresh_token"]
    assert whoami(srv, n1["access_token"]).status_code == 200
    # a concurrent retry within the grace window: the same pair, audited
    r2 = refresh(srv, srv.web, t["refresh_token"])
    assert r2.status_code == 200
    assert r2.json()["refresh_token"] == n1["refresh_token"]
    assert r2.json()["access_token"] == n1["access_token"]
    # the grace window serves only the same client
    assert refresh(srv, srv.other, t["refresh_token"]).status_code in (400, 401)
    assert whoami(srv, n1["access_token"]).status_code == 200
    # narrowing the scope is allowed; widening is not
    r3 = srv.request("POST", "/oauth2/token", auth=basic(srv.web), data={
        "grant_type": "refresh_token", "refresh_token": n1["refresh_token"],
        "scope": "openid profile"})
    assert r3.status_code == 400 and r3.json()["error"] == "invalid_scope"


def test_replayed_refresh_token_revokes_the_family(srv):
    t = full_flow(srv)
    n1 = refresh(srv, srv.web, t["refresh_token"]).json()
    n2 = refresh(srv, srv.web, n1["refresh_token"]).json()
    assert whoami(srv, n2["access_token"]).status_code == 200
    time.sleep(2.5)  # past oauth.refresh_grace (2 s here)
    replay = refresh(srv, srv.web, t["refresh_token"])
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    # the whole family is dead: the newest refresh token and every live access token
    assert refresh(srv, srv.web, n2["refresh_token"]).status_code == 400
    assert whoami(srv, n1["access_token"]).status_code == 401
    assert whoami(srv, n2["access_token"]).status_code == 401
    assert srv.events("audit.append_failed") == []


def test_refresh_token_of_another_client_is_refused_and_kept(srv):
    t = full_flow(srv)
    r = refresh(srv, srv.other, t["refresh_token"])
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    assert refresh(srv, srv.web, t["refresh_token"]).status_code == 200


def test_public_client_code_flow_and_refresh(srv):
    verifier, challenge = pkce()
    code = code_for(srv.alice, srv.native["client_id"], challenge,
                    scope="openid offline_access", redirect="http://127.0.0.1:40001/cb")
    r = exchange(srv, srv.native, code, verifier, redirect="http://127.0.0.1:40001/cb")
    assert r.status_code == 200, r.text
    n = refresh(srv, srv.native, r.json()["refresh_token"])
    assert n.status_code == 200
    # a public client cannot introspect
    i = srv.request("POST", "/oauth2/introspect",
                    data={"client_id": srv.native["client_id"],
                          "token": n.json()["access_token"]})
    assert i.status_code == 401 and i.json()["error"] == "invalid_client"


def test_password_change_ends_oauth_grants(srv):
    bob = user(srv, "bob@example.com")
    t = full_flow(srv, browser=bob)
    assert whoami(srv, t["access_token"]).status_code == 200
    # the change needs a recent sign-in, which bob just did
    r = bob.request("POST", "/v1/me/password",
                    json_body={"current_password": "correct horse battery staple 42",
                               "new_password": "a brand new passphrase 77"})
    assert r.status == 204, r.body
    assert whoami(srv, t["access_token"]).status_code == 401
    assert refresh(srv, srv.web, t["refresh_token"]).status_code == 400


# ---- client authentication and client_credentials ----------------------------------

def test_client_credentials(srv):
    r = token(srv, {"grant_type": "client_credentials", "scope": "whoami"}, auth=basic(srv.svc))
    assert r.status_code == 200, r.text
    t = r.json()
    assert set(t) == {"access_token", "token_type", "expires_in", "scope"}
    assert t["scope"] == "whoami"
    claims = jwt.decode(t["access_token"], options={"verify_signature": False})
    assert claims["sub"] == srv.svc["client_id"] == claims["client_id"]
    w = whoami(srv, t["access_token"])
    assert w.status_code == 200 and w.json()["kind"] == "client"
    # a client token is nobody's session: /v1/me refuses it
    assert srv.get("/v1/me", headers={"Authorization": "Bearer " + t["access_token"]}
                   ).status_code in (401, 403)
    # no scope asked: the client's own
    d = token(srv, {"grant_type": "client_credentials"}, auth=basic(srv.svc)).json()
    assert set(d["scope"].split()) == {"whoami", "notes:read"}


@pytest.mark.parametrize("scope", ["openid", "admin", "notes:write", "whoami offline_access"])
def test_client_credentials_scope_refused(srv, scope):
    r = token(srv, {"grant_type": "client_credentials", "scope": scope}, auth=basic(srv.svc))
    assert r.status_code == 400 and r.json()["error"] == "invalid_scope"


def test_client_credentials_only_for_registered_confidential_clients(srv):
    r = token(srv, {"grant_type": "client_credentials"}, auth=basic(srv.web))
    assert r.status_code == 400 and r.json()["error"] == "unauthorized_client"
    r = token(srv, {"grant_type": "client_credentials", "client_id": srv.native["client_id"]})
    assert r.status_code == 400 and r.json()["error"] == "unauthorized_client"


def test_client_authentication_refusals(srv):
    r = token(srv, {"grant_type": "client_credentials"}, auth=(srv.svc["client_id"], "wrong"))
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    assert r.headers["WWW-Authenticate"].startswith("Basic")
    # two methods at once
    r = token(srv, {"grant_type": "client_credentials", "client_id": srv.svc["client_id"],
                    "client_secret": srv.svc["client_secret"]}, auth=basic(srv.svc))
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    # no credentials at all
    r = token(srv, {"grant_type": "client_credentials"})
    assert r.status_code == 401
    # a repeated parameter
    r = srv.request("POST", "/oauth2/token", auth=basic(srv.svc),
                    data="grant_type=client_credentials&grant_type=client_credentials",
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400
    r = token(srv, {"grant_type": "password", "username": "a", "password": "b"},
              auth=basic(srv.svc))
    assert r.status_code == 400
    r = token(srv, {"grant_type": "implicit"}, auth=basic(srv.svc))
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"


# ---- revocation and introspection ---------------------------------------------------

def introspect(srv, tok, client=None):
    return srv.request("POST", "/oauth2/introspect", data={"token": tok},
                       auth=basic(client or srv.svc))


def test_introspection(srv):
    t = full_flow(srv)
    i = introspect(srv, t["access_token"])
    assert i.status_code == 200 and "no-store" in i.headers["Cache-Control"]
    body = i.json()
    assert body["active"] is True and body["client_id"] == srv.web["client_id"]
    assert set(body["scope"].split()) == {"openid", "email", "offline_access", "whoami"}
    assert body["token_type"] == "Bearer" and body["exp"] > time.time()
    # a refresh token: only to the client it was issued to
    assert introspect(srv, t["refresh_token"], srv.web).json()["active"] is True
    assert introspect(srv, t["refresh_token"], srv.svc).json() == {"active": False}
    # one signature character changed (in the middle: the last one carries padding bits)
    at = t["access_token"]
    i = len(at) - 20
    forged = at[:i] + ("B" if at[i] != "B" else "C") + at[i + 1:]
    for junk in ("", "garbage", "a.b.c", forged):
        r = introspect(srv, junk)
        assert r.status_code in (200, 400)
        if r.status_code == 200:
            assert r.json() == {"active": False}
    # introspection is for authenticated clients only
    r = srv.request("POST", "/oauth2/introspect", data={"token": t["access_token"]})
    assert r.status_code == 401
    r = srv.request("POST", "/oauth2/introspect", data={"token": t["access_token"]},
                    auth=(srv.svc["client_id"], "wrong"))
    assert r.status_code == 401 and "active" not in r.text


def test_revoke_access_token(srv):
    t = full_flow(srv)
    # another client cannot revoke it
    r = srv.request("POST", "/oauth2/revoke", data={"token": t["access_token"]},
                    auth=basic(srv.other))
    assert r.status_code == 400
    assert whoami(srv, t["access_token"]).status_code == 200
    r = srv.request("POST", "/oauth2/revoke", auth=basic(srv.web),
                    data={"token": t["access_token"], "token_type_hint": "access_token"})
    assert r.status_code == 200
    assert whoami(srv, t["access_token"]).status_code == 401  # cached or not
    assert introspect(srv, t["access_token"]).json() == {"active": False}
    assert db_query(srv, "SELECT count(*) FROM access_token_denylist")[0][0] >= 1


def test_revoke_refresh_token_ends_the_family(srv):
    t = full_flow(srv)
    n = refresh(srv, srv.web, t["refresh_token"]).json()
    r = srv.request("POST", "/oauth2/revoke", auth=basic(srv.other),
                    data={"token": n["refresh_token"]})
    assert r.status_code == 400
    assert introspect(srv, n["refresh_token"], srv.web).json()["active"] is True
    r = srv.request("POST", "/oauth2/revoke", auth=basic(srv.web),
                    data={"token": n["refresh_token"], "token_type_hint": "refresh_token"})
    assert r.status_code == 200
    assert refresh(srv, srv.web, n["refresh_token"]).status_code == 400
    assert whoami(srv, n["access_token"]).status_code == 401
    # an unknown token is answered 200 and tells nothing (RFC 7009 §2.2)
    r = srv.request("POST", "/oauth2/revoke", auth=basic(srv.web), data={"token": "x" * 43})
    assert r.status_code == 200
    r = srv.request("POST", "/oauth2/revoke", auth=basic(srv.web),
                    data={"token": "x", "token_type_hint": "id_token"})
    assert r.status_code == 400 and r.json()["error"] == "unsupported_token_type"


def test_public_client_revokes_its_own_token(srv):
    verifier, challenge = pkce()
    code = code_for(srv.alice, srv.native["client_id"], challenge,
                    scope="openid offline_access whoami", redirect=LOOPBACK)
    t = exchange(srv, srv.native, code, verifier, redirect=LOOPBACK).json()
    r = srv.request("POST", "/oauth2/revoke",
                    data={"token": t["refresh_token"], "client_id": srv.native["client_id"]})
    assert r.status_code == 200
    assert refresh(srv, srv.native, t["refresh_token"]).status_code == 400
    assert whoami(srv, t["access_token"]).status_code == 401


# ---- keys rotate --------------------------------------------------------------------

def test_tokens_survive_key_rotation(fresh, tmp_path):
    s = fresh(config=CONFIG, data_dir=str(tmp_path / "data"))
    s.config_path = s.config_path  # the CLI reads the same api_scopes
    svc = add_client(s, "--name", "Svc", "--grant", "client_credentials", "--scope", "whoami")
    old = token(s, {"grant_type": "client_credentials"}, auth=basic(svc)).json()["access_token"]
    old_kid = jwt.get_unverified_header(old)["kid"]
    r = run_bulwark("keys", "rotate", "--data-dir", s.data_dir, timeout=60)
    assert r.returncode == 0, r.stderr
    listed = json.loads(r.stdout)["keys"]
    active = next(k["kid"] for k in listed if k["use"] == "access" and k["state"] == "active")
    assert active != old_kid
    deadline = time.monotonic() + 20
    new_kid = old_kid
    while new_kid == old_kid and time.monotonic() < deadline:
        time.sleep(0.5)
        new = token(s, {"grant_type": "client_credentials"}, auth=basic(svc)).json()
        new_kid = jwt.get_unverified_header(new["access_token"])["kid"]
    assert new_kid == active
    # the old token still verifies, at the server and with PyJWKClient
    assert whoami(s, old).status_code == 200
    jc = jwks_client(s)
    for tok in (old, new["access_token"]):
        k = jc.get_signing_key_from_jwt(tok)
        jwt.decode(tok, k.key, algorithms=["EdDSA"], audience=s.base, issuer=s.base)


# ---- Authlib, an independent client ---------------------------------------------------

def test_authlib_code_flow_with_pkce_and_refresh(srv):
    sess = OAuth2Session(srv.web["client_id"], srv.web["client_secret"],
                         scope="openid email offline_access whoami", redirect_uri=REDIRECT,
                         code_challenge_method="S256", token_endpoint_auth_method="client_secret_basic")
    sess.verify = srv.cert
    sess.trust_env = False
    try:
        authlib_flow(srv, sess)
    finally:
        sess.close()


def authlib_flow(srv, sess):
    verifier = __import__("secrets").token_urlsafe(48)
    url, state = sess.create_authorization_url(srv.base + "/oauth2/authorize",
                                               code_verifier=verifier, nonce="authlib-n")
    # the user's part, in the browser
    page = srv.alice.request("GET", url[len(srv.base):], origin=False)
    assert page.status == 200, page.body[:300]
    r = decide(srv.alice, page)
    callback = r.getheader("Location")
    assert callback.startswith(REDIRECT + "?")
    t = sess.fetch_token(srv.base + "/oauth2/token", authorization_response=callback,
                         code_verifier=verifier, state=state)
    assert t["token_type"] == "Bearer" and "refresh_token" in t and "id_token" in t
    assert whoami(srv, t["access_token"]).status_code == 200
    n = sess.refresh_token(srv.base + "/oauth2/token", refresh_token=t["refresh_token"])
    assert n["refresh_token"] != t["refresh_token"]
    assert whoami(srv, n["access_token"]).status_code == 200
    info = sess.get(srv.base + "/oauth2/userinfo")
    assert info.status_code == 200 and info.json()["email"] == "alice@example.com"
    # Authlib's own state check: a forged state is refused by the client library
    from authlib.oauth2.rfc6749.errors import MismatchingStateException
    with pytest.raises(MismatchingStateException):
        sess.fetch_token(srv.base + "/oauth2/token",
                         authorization_response=callback.replace(f"state={state}",
                                                                 "state=forged"),
                         code_verifier=verifier, state=state)


# ---- private_key_jwt ------------------------------------------------------------------

def test_private_key_jwt_assertions(srv, tmp_path):
    import os as _os

    from cryptography.hazmat.primitives.asymmetric import ec
    from jwt.algorithms import ECAlgorithm

    key = ec.generate_private_key(ec.SECP256R1())
    pub = json.loads(ECAlgorithm.to_jwk(key.public_key()))
    pub.update(alg="ES256", kid="pk1", use="sig")
    f = tmp_path / "jwks.json"
    f.write_text(json.dumps({"keys": [pub]}))
    c = add_client(srv, "--name", "PKJ", "--grant", "client_credentials", "--scope", "whoami",
                   "--auth-method", "private_key_jwt", "--jwks-file", str(f))
    cid = c["client_id"]

    def assertion(**over):
        now = int(time.time())
        claims = {"iss": cid, "sub": cid, "aud": srv.base + "/oauth2/token",
                  "jti": _os.urandom(16).hex(), "iat": now, "exp": now + 60}
        claims.update(over)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, key, algorithm="ES256", headers={"kid": "pk1"})

    sources = iter(f"127.0.3.{i}" for i in range(1, 250))

    def grant(a):
        # each attempt from an address of its own: failures spend a small
        # per-address budget (429 past it), which is not what is tested here
        body = urllib.parse.urlencode({
            "grant_type": "client_credentials", "client_assertion": a,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"})
        r = Client(srv, source=next(sources)).request(
            "POST", "/oauth2/token", body=body.encode(), origin=False,
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        r.json = lambda: json.loads(r.body)
        return r

    a = assertion()
    r = grant(a)
    assert r.status_code == 200, r.body
    assert whoami(srv, r.json()["access_token"]).status_code == 200
    # the same assertion twice: the jti replay cache refuses it
    assert grant(a).status_code == 401
    other = ec.generate_private_key(ec.SECP256R1())
    now = int(time.time())
    for bad in (assertion(aud="https://elsewhere.example/token"), assertion(exp=None),
                assertion(jti=None), assertion(exp=now + 3600), assertion(exp=now - 120),
                assertion(iss="someone-else"), assertion(sub="someone-else"),
                jwt.encode({"iss": cid, "sub": cid, "aud": srv.base, "jti": "x1",
                            "exp": now + 60}, other, algorithm="ES256",
                           headers={"kid": "pk1"}),
                jwt.encode({"iss": cid, "sub": cid, "aud": srv.base, "jti": "x2",
                            "exp": now + 60}, "secret-guess", algorithm="HS256",
                           headers={"kid": "pk1"})):
        r = grant(bad)
        assert r.status_code == 401 and r.json()["error"] == "invalid_client", r.body
    # a secret is not this client's method
    r = token(srv, {"grant_type": "client_credentials"}, auth=(cid, "x" * 43))
    assert r.status_code in (401, 429)
