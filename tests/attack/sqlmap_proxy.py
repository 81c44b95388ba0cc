"""A plain-HTTP front for sqlmap (the attacker's tool), for tests only.

sqlmap cannot follow bulwark's CSRF protocol (a pre-session token and its cookie
for login and registration, a session-bound token for unsafe session requests),
and bulwark's login throttling would answer every probe with 429 after a few
tries, making any result meaningless. This proxy does the protocol for it:

- /v1/...   forwarded to bulwark over TLS, with a fresh pre-session CSRF token
            and cookie (or, with --session, the logged-in session's cookie and
            CSRF token), Origin set to the public origin, and a fresh
            X-Forwarded-For per request (bulwark trusts this proxy's address);
- /control/login  a deliberately injectable login over SQLite (the query is
            built by string formatting), answering like bulwark's: 200 or 401.
            sqlmap must flag it with the same options, so that a clean result
            against bulwark means something.
"""
import http.server
import json
import random
import sqlite3
import ssl
import sys
import threading
import http.client


class Front(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream = None      # (host, port, cafile)
    origin = None
    session = None       # {"cookie": ..., "csrf": ...} when logged in
    db = None
    lock = threading.Lock()

    def log_message(self, *args):
        pass

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def answer(self, status, data, ctype="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def conn(self):
        host, port, cafile = self.upstream
        ctx = ssl.create_default_context(cafile=cafile)
        return http.client.HTTPSConnection(host, port, context=ctx, timeout=30)

    def presession(self):
        c = self.conn()
        c.request("GET", "/v1/auth/csrf", headers={"X-Forwarded-For": self.fake_ip()})
        r = c.getresponse()
        token = json.loads(r.read())["csrf_token"]
        cookie = "; ".join(h.split(";", 1)[0] for h in r.msg.get_all("Set-Cookie") or [])
        c.close()
        return token, cookie

    @staticmethod
    def fake_ip():
        return "198.18.%d.%d" % (random.randint(0, 255), random.randint(1, 254))

    def forward(self, method):
        data = self.body() if method in ("POST", "PUT", "PATCH", "DELETE") else b""
        headers = {"Content-Type": self.headers.get("Content-Type", "application/json"),
                   "Origin": self.origin, "X-Forwarded-For": self.fake_ip()}
        if self.session is not None:
            headers["Cookie"] = self.session["cookie"]
            headers["X-CSRF-Token"] = self.session["csrf"]
        else:
            headers["X-CSRF-Token"], headers["Cookie"] = self.presession()
        c = self.conn()
        try:
            c.request(method, self.path, body=data, headers=headers)
            r = c.getresponse()
            out = r.read()
            self.answer(r.status, out, r.getheader("Content-Type") or "application/json")
        finally:
            c.close()

    def control(self):
        try:
            doc = json.loads(self.body() or b"{}")
            email, password = str(doc.get("email", "")), str(doc.get("password", ""))
        except ValueError:
            return self.answer(400, b'{"error":"bad json"}')
        # deliberately injectable: the query is built from the input
        q = "SELECT id FROM users WHERE email = '%s' AND password = '%s'" % (email, password)
        try:
            with self.lock:
                row = self.db.execute(q).fetchone()
        except sqlite3.Error:
            return self.answer(401, b'{"error":"unauthorized"}')
        if row:
            return self.answer(200, b'{"ok":true}')
        return self.answer(401, b'{"error":"unauthorized"}')

    def do_GET(self):
        self.forward("GET")

    def do_DELETE(self):
        self.forward("DELETE")

    def do_POST(self):
        if self.path == "/control/login":
            return self.control()
        self.forward("POST")


def main():
    host, port, cafile, origin = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    session = json.loads(sys.argv[5]) if len(sys.argv) > 5 else None
    Front.upstream = (host, port, cafile)
    Front.origin = origin
    Front.session = session
    Front.db = sqlite3.connect(":memory:", check_same_thread=False)
    Front.db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, password TEXT)")
    Front.db.execute("INSERT INTO users (email, password) VALUES ('alice@example.com', 'x')")
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Front)
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
