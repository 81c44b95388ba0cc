"""Sessions: forged, expired, reused and tossed cookies, fixation (OWASP
WSTG-SESS-03), idle refresh at most once a minute, the per-user cap, and the
owner's session list and revocation."""
import time

import pytest

from bulwark_server import Server
from test_accounts import Client, db_query

COOKIE = "__Host-bulwark_session"


@pytest.fixture(scope="module")
def srv():
    s = Server(config="[ratelimit]\nip_rate = 100000\nip_burst = 100000\nip_period = 1s\n"
                      "[auth]\nsession_max = 3\n")
    yield s
    failed = s.events("audit.append_failed")
    assert s.stop() == 0
    assert not failed, failed  # every security event was stored


_n = [0]


def user(srv):
    _n[0] += 1
    email = f"s{_n[0]}@example.com"
    assert Client(srv).register(email).status == 201
    c = Client(srv)
    assert c.login(email).status == 200
    return c, email


def me(srv, value):
    c = Client(srv)
    c.cookies = {COOKIE: value}
    return c.request("GET", "/v1/me").status


def test_forged_cookies_refused(srv):
    c, _ = user(srv)
    good = c.cookies[COOKIE]
    assert me(srv, good) == 200
    flipped = good[:-2] + ("A" if good[-2] != "A" else "B") + good[-1]
    for forged in [flipped, "A" * 43, good[:-1], good + "A", good.upper(), "", "%00" + good]:
        assert me(srv, forged) == 401, forged
    # duplicate cookies (tossing from a sibling domain) and a quoted value
    d = Client(srv)
    r = d.request("GET", "/v1/me", headers={"Cookie": f"{COOKIE}={good}; {COOKIE}={good}"})
    assert r.status == 401
    r = d.request("GET", "/v1/me", headers={"Cookie": f'{COOKIE}="{good}"'})
    assert r.status == 401
    r = d.request("GET", "/v1/me", headers={"Cookie": f"__host-bulwark_session={good}"})
    assert r.status == 401
    assert me(srv, good) == 200


def test_idle_timeout(srv):
    c, _ = user(srv)
    value = c.cookies[COOKIE]
    db_query(srv, "UPDATE sessions SET last_seen_at = last_seen_at - 1801 WHERE user_id = "
                  "(SELECT user_id FROM sessions ORDER BY id DESC LIMIT 1)")
    assert me(srv, value) == 401
    # and the row is gone, not just refused
    assert me(srv, value) == 401


def test_absolute_lifetime(srv):
    c, email = user(srv)
    value = c.cookies[COOKIE]
    assert me(srv, value) == 200
    db_query(srv, "UPDATE sessions SET expires_at = ? WHERE user_id = "
                  "(SELECT id FROM users WHERE email_canon = ?)", (int(time.time()), email))
    assert me(srv, value) == 401


def test_idle_refresh_at_most_once_a_minute(srv):
    c, email = user(srv)
    value = c.cookies[COOKIE]
    uid = db_query(srv, "SELECT id FROM users WHERE email_canon = ?", (email,))[0][0]
    back = int(time.time()) - 30
    db_query(srv, "UPDATE sessions SET last_seen_at = ? WHERE user_id = ?", (back, uid))
    assert me(srv, value) == 200
    assert db_query(srv, "SELECT last_seen_at FROM sessions WHERE user_id = ?",
                    (uid,))[0][0] == back  # 30 s ago: not written again
    back = int(time.time()) - 90
    db_query(srv, "UPDATE sessions SET last_seen_at = ? WHERE user_id = ?", (back, uid))
    assert me(srv, value) == 200
    seen = db_query(srv, "SELECT last_seen_at FROM sessions WHERE user_id = ?", (uid,))[0][0]
    assert seen >= int(time.time()) - 5  # refreshed


def test_session_fixation_wstg_sess_03(srv):
    """WSTG-SESS-03: the attacker plants a session id (here a real one of his own
    account, the strongest case) in the victim's browser; after the victim logs
    in, the id in use must be a new one, and the planted one must be dead."""
    attacker, _ = user(srv)
    planted = attacker.cookies[COOKIE]
    _n[0] += 1
    victim_email = f"victim{_n[0]}@example.com"
    Client(srv).register(victim_email)
    victim = Client(srv)
    victim.presession()
    victim.cookies[COOKIE] = planted
    r = victim.login(victim_email)
    assert r.status == 200
    issued = victim.cookies[COOKIE]
    assert issued != planted
    assert me(srv, planted) == 401
    assert me(srv, issued) == 200
    # an id the attacker made up is never adopted either
    made_up = "B" * 42 + "A"
    v2 = Client(srv)
    v2.presession()
    v2.cookies[COOKIE] = made_up
    assert v2.login(victim_email).status == 200
    assert v2.cookies[COOKIE] != made_up
    assert me(srv, made_up) == 401


def test_per_user_cap_evicts_oldest(srv):
    first, email = user(srv)
    others = []
    for _ in range(3):
        c = Client(srv)
        assert c.login(email).status == 200
        others.append(c)
    assert me(srv, first.cookies[COOKIE]) == 401
    for c in others:
        assert me(srv, c.cookies[COOKIE]) == 200


def test_list_and_revoke_sessions(srv):
    a, email = user(srv)
    b = Client(srv)
    assert b.login(email).status == 200
    r = a.request("GET", "/v1/me/sessions", headers={"User-Agent": "tester/1.0"})
    assert r.status == 200
    items = a.json(r)["items"]
    assert len(items) == 2
    assert sum(1 for i in items if i["current"]) == 1
    assert all(set(i) == {"id", "created_at", "last_seen_at", "expires_at", "ip",
                          "user_agent", "current"} for i in items)
    other = next(i["id"] for i in items if not i["current"])
    # another user cannot revoke it: 404, and it lives on
    mallory, _ = user(srv)
    assert mallory.request("DELETE", f"/v1/me/sessions/{other}").status == 404
    assert b.request("GET", "/v1/me").status == 200
    assert a.request("DELETE", "/v1/me/sessions/" + "x" * 22).status == 404
    assert a.request("DELETE", "/v1/me/sessions/short").status == 404
    r = a.request("DELETE", f"/v1/me/sessions/{other}")
    assert r.status == 204
    assert b.request("GET", "/v1/me").status == 401
    assert a.request("GET", "/v1/me").status == 200
    # revoking the current one clears the cookie
    cur = next(i["id"] for i in a.json(a.request("GET", "/v1/me/sessions"))["items"])
    r = a.request("DELETE", f"/v1/me/sessions/{cur}")
    assert r.status == 204 and r.set_cookies[COOKIE][0] == ""
    assert a.request("GET", "/v1/me").status == 401


def test_short_idle_config_refreshes_in_time(tmp_path):
    """With a 4 s idle timeout the touch interval is 2 s, so an active session
    survives and an idle one does not."""
    s = Server(config="[auth]\nsession_idle = 4s\n")
    try:
        Client(s).register("idle@example.com")
        c = Client(s)
        assert c.login("idle@example.com").status == 200
        for _ in range(4):
            time.sleep(1.5)
            assert c.request("GET", "/v1/me").status == 200
        time.sleep(4.5)
        assert c.request("GET", "/v1/me").status == 401
    finally:
        s.stop()


def test_bad_bearer_is_not_rescued_by_the_cookie(srv):
    """An Authorization header is judged alone: a forged or malformed bearer
    credential is refused even when a valid session cookie rides along."""
    c, _ = user(srv)
    assert c.request("GET", "/v1/me").status == 200
    for auth in ["Bearer forged.token.here", "Bearer ", "Bearer a b", "Basic dXNlcjpwdw==",
                 "Bearer " + "A" * 9000, "Bearer bwk_notakey_0000", "Bearer\tx"]:
        r = c.request("GET", "/v1/me", headers={"Authorization": auth})
        assert r.status == 401, auth
    assert c.request("GET", "/v1/me").status == 200
