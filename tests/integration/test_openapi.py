"""GET /openapi.json: served whole (it is larger than a request's arena, so it
is sent from the binary in place, never copied), the very document of the
repository, and held to the route table: every (method, path) that
`bulwark routes` lists is described and nothing else is, each with the
credentials, scopes and CSRF token its route requires, in a well-formed
OpenAPI 3.1 shape (operation ids, resolvable references, path parameters,
JSON Schema 2020-12 schemas)."""
import json
import os
import re

import jsonschema

from bulwark_server import routes

DOC = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "openapi.json")
METHODS = ("get", "head", "post", "put", "patch", "delete", "options")
AUTH_SCHEMES = {"session": "sessionCookie", "bearer": "bearerAccessToken", "apikey": "apiKey"}


def doc():
    with open(DOC, "rb") as f:
        return json.loads(f.read())


def operations(d):
    for path, item in d["paths"].items():
        for m in METHODS:
            if m in item:
                yield path, m, item, item[m]


def test_openapi_is_served_whole(server):
    r = server.get("/openapi.json")
    assert r.status_code == 200, r.text[:200]
    assert r.headers["Content-Type"].startswith("application/json")
    served = json.loads(r.content)
    assert served["openapi"].startswith("3.1")
    # the binary embeds the document of this tree, not an older one
    assert served == doc()


def test_every_route_is_described_and_nothing_else():
    listed = {(r["method"].lower(), r["path"]) for r in routes()}
    d = doc()
    described = {(m, p) for p, m, _, _ in operations(d) if m not in ("head", "options")}
    assert not listed - described, f"routes missing from openapi.json: {sorted(listed - described)}"
    assert not described - listed, f"operations no route serves: {sorted(described - listed)}"
    # HEAD only where GET is (the core answers it from the GET route)
    for p, m, item, _ in operations(d):
        if m == "head":
            assert "get" in item, p


def requirement_schemes(op):
    return [set(req) for req in op.get("security", [])]


def test_security_matches_the_route_table():
    d = doc()
    schemes = d["components"]["securitySchemes"]
    for r in routes():
        op = d["paths"][r["path"]][r["method"].lower()]
        where = f'{r["method"]} {r["path"]}'
        reqs = op.get("security", [])
        for req in reqs:
            assert set(req) <= set(schemes), where
        claimed = {s for req in reqs for s in req} & set(AUTH_SCHEMES.values())
        want = {AUTH_SCHEMES[k] for k in r["auth"]}
        if r["auth"]:
            assert claimed == want, f"{where}: {claimed} != {want}"
        else:
            # the pipeline checks no credential on a public route; a handler may read a
            # session (the CSRF token, the consent page) or a token (userinfo), never a key
            assert "apiKey" not in claimed, where
        for req in reqs:
            if "sessionCookie" in req and r["auth"]:
                # the session's CSRF token exactly on the methods that need it
                assert ("csrfToken" in req) == (r["csrf"] == "token"), where
            elif "sessionCookie" in req and r["method"] != "GET":
                assert "csrfToken" in req, where
            for kind in ("bearerAccessToken", "apiKey"):
                if kind in req and r["auth"]:
                    assert sorted(req[kind]) == sorted(r["scopes"]), where


def test_openapi_shape():
    d = doc()
    assert d["openapi"] == "3.1.0"
    assert d["info"]["title"] and d["info"]["version"]
    ids = [op["operationId"] for _, _, _, op in operations(d)]
    dupes = {i for i in ids if ids.count(i) > 1}
    assert not dupes, dupes
    tags = {t["name"] for t in d["tags"]}
    for p, m, item, op in operations(d):
        where = f"{m} {p}"
        assert op.get("summary"), where
        assert set(op.get("tags", [])) <= tags, where
        assert op["responses"], where
        for status, resp in op["responses"].items():
            assert re.fullmatch(r"[1-5]\d\d", status), where
            assert "$ref" in resp or resp.get("description"), (where, status)
        declared = {x["name"] for x in item.get("parameters", []) + op.get("parameters", [])
                    if "name" in x and x.get("in") == "path"}
        assert declared == set(re.findall(r"\{([a-z_]+)\}", p)), where
        if "requestBody" in op:
            assert op["requestBody"]["content"], where

    def resolve(ref):
        assert ref.startswith("#/"), ref
        node = d
        for part in ref[2:].split("/"):
            node = node[part]
        return node

    schemas = []

    def walk(node, parent_key=None):
        if isinstance(node, dict):
            if "$ref" in node:
                resolve(node["$ref"])
            if parent_key == "schema":
                schemas.append(node)
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(d)
    schemas += list(d["components"]["schemas"].values())
    assert len(schemas) > 100
    for s in schemas:
        # references are resolved above; the rest must be JSON Schema 2020-12
        jsonschema.Draft202012Validator.check_schema(json.loads(
            json.dumps(s).replace('"$ref": "#/components/', '"$comment": "#/components/')))
