import pytest

from bulwark_server import Server


@pytest.fixture(scope="session")
def server():
    """One production-mode TLS server shared by the read-only tests."""
    s = Server(config="[ratelimit]\nip_rate = 100000\nip_burst = 100000\nip_period = 1s\n")
    yield s
    assert s.stop() == 0, "server did not exit cleanly on SIGTERM"
    # a sanitizer report or a crash would show in the log
    assert not any("ERROR: AddressSanitizer" in l or "runtime error" in l for l in s.raw_lines)


@pytest.fixture()
def fresh():
    """A server of its own, for tests that change state or limits."""
    made = []

    def make(**kw):
        s = Server(**kw)
        made.append(s)
        return s

    yield make
    for s in made:
        s.stop()
