"""GET /openapi.json: served whole (it is larger than a request's arena, so it
is sent from the binary in place, never copied), and valid JSON."""
import json


def test_openapi_is_served_whole(server):
    r = server.get("/openapi.json")
    assert r.status_code == 200, r.text[:200]
    assert r.headers["Content-Type"].startswith("application/json")
    doc = json.loads(r.content)
    assert doc["openapi"].startswith("3.1")
    assert "/v1/auth/password-reset" in doc["paths"]
