"""The TLS policy of API.md, checked with OpenSSL clients."""
import socket
import ssl

import pytest


def handshake(server, min_v, max_v, ciphers=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = min_v
    ctx.maximum_version = max_v
    if ciphers:
        ctx.set_ciphers(ciphers)
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw:
        with ctx.wrap_socket(raw) as s:
            return s.version(), s.cipher()[0], s.compression()


def test_tls13(server):
    v, _, comp = handshake(server, ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_3)
    assert v == "TLSv1.3" and comp is None


@pytest.mark.parametrize("cipher", ["ECDHE-ECDSA-AES128-GCM-SHA256",
                                    "ECDHE-ECDSA-AES256-GCM-SHA384",
                                    "ECDHE-ECDSA-CHACHA20-POLY1305"])
def test_tls12_aead_ecdhe(server, cipher):
    v, c, _ = handshake(server, ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_2, cipher)
    assert v == "TLSv1.2" and c == cipher


@pytest.mark.parametrize("cipher", ["ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES128-SHA256",
                                    "ECDHE-ECDSA-AES256-SHA384", "AES128-GCM-SHA256"])
def test_tls12_cbc_or_static_rsa_refused(server, cipher):
    with pytest.raises((ssl.SSLError, ConnectionResetError, OSError)):
        handshake(server, ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_2,
                  cipher + ":@SECLEVEL=0")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("version", ["TLSv1", "TLSv1_1"])
def test_old_versions_refused(server, version):
    version = getattr(ssl.TLSVersion, version)
    with pytest.raises((ssl.SSLError, ConnectionResetError, OSError)):
        handshake(server, version, version, "DEFAULT:@SECLEVEL=0")


def test_plain_http_to_tls_port_gets_nothing(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        try:
            data = s.recv(100)
        except (ConnectionResetError, socket.timeout):
            data = b""
        assert not data.startswith(b"HTTP/1.1 200")
