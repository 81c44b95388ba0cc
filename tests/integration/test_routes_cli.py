"""`bulwark routes`: the route table as printed, held against what the
running server answers (so the listing cannot drift from the table the
pipeline enforces), in both of its formats."""
import re

import pytest

from bulwark_server import routes, run_bulwark
from test_accounts import Client

COLUMNS = ["method", "path", "auth", "scopes", "role", "csrf", "rate_class", "access",
           "login_page"]
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def tsv():
    r = run_bulwark("routes")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode().splitlines()
    assert lines[0].split("\t") == COLUMNS
    rows = [dict(zip(COLUMNS, line.split("\t"))) for line in lines[1:]]
    assert all(len(line.split("\t")) == len(COLUMNS) for line in lines[1:])
    return rows


def test_tsv_and_json_say_the_same():
    listed = routes()
    rows = tsv()
    assert len(rows) == len(listed) > 40

    def as_text(j):
        return {"method": j["method"], "path": j["path"],
                "auth": ",".join(j["auth"]) or "public",
                "scopes": ",".join(j["scopes"]) or "-", "role": j["role"] or "-",
                "csrf": j["csrf"], "rate_class": j["rate_class"], "access": j["access"],
                "login_page": j["login_page"] or "-"}

    assert rows == [as_text(j) for j in listed]
    # one line per (method, path), each value from its closed set
    assert len({(r["method"], r["path"]) for r in rows}) == len(rows)
    for r in rows:
        assert r["method"] in METHODS
        assert r["path"].startswith("/")
        assert re.fullmatch(r"public|(session|bearer|apikey)(,(bearer|apikey))*", r["auth"])
        assert r["csrf"] in ("token", "presession", "none")
        assert r["access"] in ("any", "loopback")
        # a safe method never needs a CSRF token; a session's unsafe one always does
        if r["method"] == "GET":
            assert r["csrf"] == "none"
        elif "session" in r["auth"]:
            assert r["csrf"] == "token"


def test_known_lines():
    rows = {(r["method"], r["path"]): r for r in tsv()}
    assert rows[("GET", "/metrics")]["access"] == "loopback"
    assert rows[("POST", "/v1/auth/login")]["csrf"] == "presession"
    assert rows[("GET", "/v1/me")]["auth"] == "session,bearer,apikey"
    assert rows[("GET", "/v1/me")]["scopes"] == "profile"
    assert rows[("DELETE", "/v1/admin/clients/{id}")]["role"] == "admin"
    assert rows[("POST", "/v1/auth/password-reset")]["rate_class"] == "password-reset"
    assert rows[("GET", "/account")]["login_page"] == "/login"


def test_help_and_bad_arguments():
    r = run_bulwark("routes", "--help")
    assert r.returncode == 0 and b"usage: bulwark routes" in r.stdout
    for bad in (["--bogus"], ["--json", "--json"], ["extra"]):
        r = run_bulwark("routes", *bad)
        assert r.returncode == 2 and r.stdout == b""
    assert b"routes" in run_bulwark("help").stdout


def concrete(path):
    return re.sub(r"\{[a-z_]+\}", "AAAAAAAAAAAAAAAAAAAAAA", path)


def test_every_path_allows_exactly_the_listed_methods(server):
    """PUT is declared nowhere: each path answers 405 with an Allow header that
    names exactly the methods listed for it (HEAD with GET)."""
    by_path = {}
    for r in routes():
        by_path.setdefault(r["path"], set()).add(r["method"])
    c = Client(server)
    for path, methods in by_path.items():
        assert "PUT" not in methods
        r = c.request("PUT", concrete(path), origin=False)
        assert r.status == 405, (path, r.status, r.body)
        allow = {m.strip() for m in r.getheader("Allow").split(",")}
        want = set(methods) | ({"HEAD"} if "GET" in methods else set())
        assert allow == want, path
    # and a path that is not listed is no route at all
    assert c.request("PUT", "/v1/not-a-route", origin=False).status == 404
