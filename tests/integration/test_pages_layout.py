"""The shared page layout and stylesheet: pages render through the template
engine in the layout, the stylesheet is served from the binary with its type,
nosniff and a cache lifetime bound to its version, and no page carries an
inline event handler or an inline style without the response's nonce."""
import re


def test_home_page_uses_the_layout(server):
    r = server.get("/")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert r.headers["Cache-Control"] == "no-store"
    html = r.text
    assert html.lstrip().startswith("<!doctype html>")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert re.search(r'<link rel="stylesheet" href="/static/bulwark\.css\?v=[0-9a-f]{16}">', html)
    assert "<h1>bulwark</h1>" in html
    assert "version 0." in html
    # nothing inline that the CSP would have to allow
    assert not re.search(r"\son[a-z]+\s*=", html, re.I), "inline event handler"
    assert "style=" not in html
    for m in re.finditer(r"<(script|style)\b([^>]*)>", html):
        nonce = re.search(r"'nonce-([^']+)'", r.headers["Content-Security-Policy"]).group(1)
        assert f'nonce="{nonce}"' in m.group(2), m.group(0)


def test_stylesheet_is_served_with_its_type_and_a_versioned_cache(server):
    href = re.search(r'href="(/static/bulwark\.css\?v=[0-9a-f]+)"', server.get("/").text).group(1)
    r = server.get(href)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/css; charset=utf-8"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert ":focus-visible" in r.text and "max-width" in r.text
    # the CSP of the HTML pages lets the browser load it
    csp = server.get("/").headers["Content-Security-Policy"]
    assert re.search(r"style-src 'self'", csp)
    # an old or missing version is served but cached only briefly
    for path in ("/static/bulwark.css", "/static/bulwark.css?v=0000000000000000"):
        r = server.get(path)
        assert r.status_code == 200
        assert r.headers["Cache-Control"] == "public, max-age=300"
    assert server.request("HEAD", href).status_code == 200


def test_static_refuses_what_it_does_not_hold(server):
    for path in ("/static/nope.css", "/static/..%2fbulwark.css", "/static/bulwark.css%00",
                 "/static/.css", "/static/", "/static/bulwark.css?x=1",
                 "/static/bulwark.css?v=%3Cscript%3E"):
        r = server.get(path)
        assert r.status_code in (400, 404), (path, r.status_code)
        assert "text/css" not in r.headers.get("Content-Type", "")
