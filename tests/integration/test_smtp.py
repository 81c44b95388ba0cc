"""Mail through an SMTP relay (aiosmtpd, an independent implementation):
STARTTLS is required and the relay's certificate verified, so a relay that
offers no STARTTLS, or one whose certificate we do not trust, gets nothing."""
import os
import re
import ssl
import subprocess
import tempfile
import time

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from bulwark_server import Server, free_port
from test_accounts import Client
from test_startup import serve_with

RELAY_USER = "bulwark-relay"
RELAY_PASSWORD = "relay password 3f9c"


class Inbox:
    def __init__(self):
        self.messages = []
        self.logins = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                              envelope.content.decode("utf-8", "replace"),
                              session.ssl is not None))
        return "250 OK"


def authenticator(inbox):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (auth_data.login.decode(), auth_data.password.decode()) == (RELAY_USER,
                                                                           RELAY_PASSWORD)
        inbox.logins.append(ok)
        return AuthResult(success=ok)
    return check


@pytest.fixture(scope="module")
def certs():
    d = tempfile.mkdtemp(prefix="smtp-certs-")
    key, cert = os.path.join(d, "key.pem"), os.path.join(d, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=relay",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    yield d, key, cert


def relay(certs, starttls=True):
    _, key, cert = certs
    inbox = Inbox()
    kw = {}
    if starttls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cert, key)
        kw = {"tls_context": ctx, "require_starttls": True, "auth_require_tls": True,
              "authenticator": authenticator(inbox), "auth_required": True}
    c = Controller(inbox, hostname="127.0.0.1", port=free_port(), **kw)
    c.start()
    return c, inbox


def server_for(port, certs, ca=True, user=True):
    d, _, cert = certs
    pw = os.path.join(d, "relay-password")
    with open(pw, "w") as f:
        f.write(RELAY_PASSWORD)
    os.chmod(pw, 0o600)
    cfg = ("[ratelimit]\nip_rate = 100000\nip_burst = 100000\nip_period = 1s\n"
           f"[mail]\nsmtp_url = smtp://127.0.0.1:{port}\nfrom = accounts@example.com\n")
    if ca:
        cfg += f"ca_file = {cert}\n"
    if user:
        cfg += f"smtp_user = {RELAY_USER}\nsmtp_password = file:{pw}\n"
    return Server(config=cfg)


def wait_for(pred, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return False


def test_mail_goes_to_the_relay_over_starttls(certs):
    ctl, inbox = relay(certs)
    s = server_for(ctl.port, certs)
    try:
        assert Client(s).register("smtp-user@example.com").status == 201
        assert wait_for(lambda: inbox.messages)
        mail_from, rcpts, content, tls = inbox.messages[0]
        assert tls, "the message went in clear"
        assert inbox.logins == [True]
        assert mail_from == "<accounts@example.com>" or mail_from == "accounts@example.com"
        assert rcpts == ["smtp-user@example.com"]
        assert re.search(r"/verify-email\?token=[A-Za-z0-9_-]{43}", content)
        assert "From: bulwark <accounts@example.com>" in content
        # nothing went to the outbox: the relay is the one destination
        assert not os.path.isdir(os.path.join(s.data_dir, "outbox")) or \
            not os.listdir(os.path.join(s.data_dir, "outbox"))
        r = Client(s).request("POST", "/v1/auth/password-reset",
                              json_body={"email": "smtp-user@example.com"})
        assert r.status == 202
        assert wait_for(lambda: len(inbox.messages) == 2)
        assert "/password-reset/confirm?token=" in inbox.messages[1][2]
    finally:
        assert s.stop() == 0
        ctl.stop()


@pytest.mark.parametrize("case", ["no_starttls", "untrusted_certificate"])
def test_refused_relays_get_nothing(certs, case):
    ctl, inbox = relay(certs, starttls=case != "no_starttls")
    s = server_for(ctl.port, certs, ca=case != "untrusted_certificate")
    try:
        assert Client(s).register(f"{case.replace('_', '-')}@example.com").status == 201
        assert wait_for(lambda: s.events("mail.failed"))
        (ev,) = s.events("mail.failed")
        assert ev["via"] == "smtp"
        assert ev["reason"] == ("relay_offers_no_starttls" if case == "no_starttls"
                                else "bad_certificate"), ev
        assert inbox.messages == []
        assert RELAY_PASSWORD not in "\n".join(s.raw_lines)
    finally:
        assert s.stop() == 0
        ctl.stop()


@pytest.mark.parametrize("key,value", [
    ("smtp_url", "http://127.0.0.1:25"),
    ("smtp_url", "smtp://user:pw@127.0.0.1:25"),
    ("smtp_url", "smtp://127.0.0.1:25/path"),
    ("from", "Not An Address"),
    ("from", ""),
    ("smtp_user", "someone"),
])
def test_bad_mail_settings_stop_the_start(tmp_path, key, value):
    cfg = "[mail]\nsmtp_url = smtp://127.0.0.1:25\nfrom = a@example.com\n"
    if re.search(rf"^{key} = ", cfg, flags=re.M):
        cfg = re.sub(rf"^{key} = .*$", f"{key} = {value}", cfg, flags=re.M)
    else:
        cfg += f"{key} = {value}\n"
    r = serve_with(tmp_path, cfg)
    assert r.returncode == 2, r.stderr
    assert f"mail.{key}".encode() in r.stderr, r.stderr
    assert not (tmp_path / "data").exists()


def test_full_mail_queue_refuses_registration_and_keeps_nothing(tmp_path):
    """A relay that accepts connections and never answers holds the mail worker;
    with mail.queue = 1 the next message waits and the one after finds the queue
    full: that registration answers 503 busy and leaves no account behind."""
    import socket
    import threading

    from test_accounts import db_query

    tarpit = socket.socket()
    tarpit.bind(("127.0.0.1", 0))
    tarpit.listen(16)
    held = []
    stop = threading.Event()

    def accept():
        tarpit.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(tarpit.accept()[0])
            except OSError:
                pass

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    cfg = ("[ratelimit]\nip_rate = 100000\nip_burst = 100000\nip_period = 1s\n"
           f"[mail]\nsmtp_url = smtp://127.0.0.1:{tarpit.getsockname()[1]}\n"
           "from = accounts@example.com\nqueue = 1\n")
    s = Server(config=cfg)
    try:
        c = Client(s)
        assert c.register("first@example.com").status == 201
        # the worker has taken the first message and is stuck on the relay
        wait_for(lambda: held, timeout=15)
        assert c.register("second@example.com").status == 201  # waits in the queue
        r = c.register("third@example.com")
        assert r.status == 503, r.body
        assert r.getheader("Retry-After") == "1"
        body = c.json(r)
        assert body["type"].endswith("busy") and "third" not in r.body.decode()
        emails = {e for (e,) in db_query(s, "SELECT email_canon FROM users")}
        assert emails == {"first@example.com", "second@example.com"}
        # a taken address gets the same answer while the queue is full
        assert c.register("first@example.com").status == 503
    finally:
        stop.set()
        s.stop(timeout=40)
        for h in held:
            h.close()
        tarpit.close()
