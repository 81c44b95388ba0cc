"""Start and stop a real bulwark server for black-box tests.

Each server gets its own temporary data directory and a free loopback port.
Its stderr (JSON log lines) is collected in a thread so tests can assert on
what was logged.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import requests

BIN = os.environ.get("BULWARK_BIN", "build/bulwark")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    def __init__(self, config=None, args=(), tls=True, env=None, data_dir=None, port=None):
        self.tmp = tempfile.mkdtemp(prefix="bulwark-test-")
        self.data_dir = data_dir or os.path.join(self.tmp, "data")
        self.port = port or free_port()
        self.tls = tls
        self.scheme = "https" if tls else "http"
        self.base = f"{self.scheme}://127.0.0.1:{self.port}"
        self.lines = []
        self.raw_lines = []
        self.config_path = None
        cmd = [BIN, "serve", "--data-dir", self.data_dir, "--listen", self.base]
        if config is not None:
            self.config_path = os.path.join(self.tmp, "bulwark.ini")
            with open(self.config_path, "w") as f:
                f.write(config)
            cmd += ["--config", self.config_path]
        cmd += list(args)
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("BULWARK_")}
        full_env.update(env or {})
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=full_env)
        self._ready = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if not self._ready.wait(60) or self.proc.poll() is not None:
            self.stop()
            raise RuntimeError("server did not become ready: " + "\n".join(self.raw_lines[-20:]))
        self.cert = os.path.join(self.data_dir, "tls", "cert.pem")
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.verify = self.cert if tls else False

    def _read(self):
        for raw in self.proc.stderr:
            text = raw.decode("utf-8", "replace").rstrip("\n")
            self.raw_lines.append(text)
            try:
                obj = json.loads(text)
            except ValueError:
                continue
            self.lines.append(obj)
            if obj.get("event") == "ready":
                self._ready.set()
        self._ready.set()

    def url(self, path):
        return self.base + path

    def get(self, path, **kw):
        kw.setdefault("timeout", 10)
        return self.session.get(self.url(path), **kw)

    def request(self, method, path, **kw):
        kw.setdefault("timeout", 10)
        return self.session.request(method, self.url(path), **kw)

    def alive(self):
        return self.proc.poll() is None and self.get("/healthz").status_code == 200

    def raw(self, data, timeout=5.0, read=True):
        """Send raw bytes over TLS (or TCP) and return what comes back."""
        import ssl
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        if self.tls:
            ctx = ssl.create_default_context(cafile=self.cert)
            sock = ctx.wrap_socket(sock, server_hostname="localhost")
        try:
            sock.sendall(data)
            if not read:
                return b""
            out = b""
            while True:
                try:
                    chunk = sock.recv(65536)
                except (socket.timeout, ConnectionResetError, OSError):
                    break
                if not chunk:
                    break
                out += chunk
                if b"\r\n\r\n" in out and self._complete(out):
                    break
            return out
        finally:
            sock.close()

    @staticmethod
    def _complete(out):
        head, _, body = out.partition(b"\r\n\r\n")
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                return len(body) >= int(line.split(b":", 1)[1])
        return True

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if hasattr(self, "session"):
            self.session.close()
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(5)
        self.proc.stdout.close()
        self.proc.stderr.close()
        shutil.rmtree(self.tmp, ignore_errors=True)
        return self.proc.returncode

    def events(self, name):
        return [l for l in self.lines if l.get("event") == name]


def run_bulwark(*args, env=None, timeout=30):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("BULWARK_")}
    full_env.update(env or {})
    return subprocess.run([BIN, *args], stdin=subprocess.DEVNULL, capture_output=True,
                          env=full_env, timeout=timeout)


def routes():
    """The route table as `bulwark routes --json` prints it: one dict per route and method."""
    r = run_bulwark("routes", "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["routes"]
