"""The audit log: intact chains verify, and each kind of tampering is caught
by `bulwark audit verify`, naming the first bad record."""
import json
import os
import shutil
import sqlite3
import tempfile
import time

import pytest

from bulwark_server import Server, run_bulwark


@pytest.fixture(scope="module")
def log_dir():
    """A data dir whose audit log holds a few server starts and stops, and the
    checkpoints the servers exported to their log streams."""
    base = tempfile.mkdtemp(prefix="bulwark-audit-")
    data = os.path.join(base, "data")
    exported = []
    for i in range(3):
        s = Server(data_dir=data)
        assert s.alive()
        if i == 0:  # the first start makes four signing keys (the RSA ones in the background)
            deadline = time.time() + 60
            while len(s.get("/.well-known/jwks.json").json()["keys"]) < 4:
                assert time.time() < deadline
                time.sleep(0.2)
        assert s.stop() == 0
        exported += [l["syslog"] for l in s.lines if l.get("event") == "audit.checkpoint"]
    assert len(exported) == 3
    with open(os.path.join(base, "exported.log"), "w") as f:
        f.write("\n".join(exported) + "\n")
    yield base
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture()
def copy(log_dir, tmp_path):
    shutil.copytree(log_dir, tmp_path / "log")
    return tmp_path / "log"


def verify(d, exported=False):
    args = ["audit", "verify", "--data-dir", str(d / "data")]
    if exported:
        args += ["--checkpoints", str(d / "exported.log")]
    r = run_bulwark(*args)
    out = json.loads(r.stdout) if r.stdout.strip() else {}
    return r.returncode, out


def db(d):
    return sqlite3.connect(d / "data" / "bulwark.db")


def lines(d):
    with db(d) as c:
        return dict(c.execute("SELECT seq, line FROM audit_records ORDER BY seq").fetchall())


def test_intact_chain_verifies(copy):
    rc, out = verify(copy, exported=True)
    assert rc == 0, out
    assert out["verdict"] == "intact"
    assert out["records"] == 10  # three starts and stops, four signing keys made
    assert out["checkpointed"] == 10


def test_export_is_the_stored_chain(copy):
    r = run_bulwark("audit", "export", "--data-dir", str(copy / "data"))
    assert r.returncode == 0
    recs = [json.loads(l) for l in r.stdout.decode().splitlines()]
    events = [x["event"] for x in recs if x["type"] == "record"]
    assert events == (["server.start"] + ["signing.key_created"] * 4 +
                      ["server.stop"] + ["server.start", "server.stop"] * 2)
    assert all(x["actor"] == "system" for x in recs if x["type"] == "record")


def test_edited_record(copy):
    line = lines(copy)[3]
    with db(copy) as c:
        c.execute("UPDATE audit_records SET line = ? WHERE seq = 3",
                  (line.replace('"success"', '"failure"'),))
    rc, out = verify(copy)
    assert rc == 1
    assert out["verdict"] == "edited" and out["seq"] == 3


def test_deleted_record(copy):
    with db(copy) as c:
        c.execute("DELETE FROM audit_records WHERE seq = 2")
    rc, out = verify(copy)
    assert rc == 1
    assert out["verdict"] == "deleted" and out["seq"] == 2


def test_inserted_record(copy):
    first = lines(copy)[1]
    with db(copy) as c:  # a replay of record 1 stored at the end
        c.execute("INSERT INTO audit_records (seq, line) VALUES (100, ?)", (first,))
    rc, out = verify(copy)
    assert rc == 1
    assert out["verdict"] == "inserted"


def test_reordered_records(copy):
    l = lines(copy)
    with db(copy) as c:
        c.execute("UPDATE audit_records SET line = ? WHERE seq = 2", (l[3],))
        c.execute("UPDATE audit_records SET line = ? WHERE seq = 3", (l[2],))
    rc, out = verify(copy)
    assert rc == 1
    assert out["verdict"] == "reordered"


def test_truncated_before_a_stored_checkpoint(copy):
    with db(copy) as c:
        c.execute("DELETE FROM audit_records WHERE seq = 10")
    rc, out = verify(copy)
    assert rc == 1
    assert out["verdict"] == "truncated"


def test_truncated_after_the_last_stored_checkpoint(copy):
    # the attacker removes the tail and its checkpoint: the stored log alone
    # looks intact, the checkpoints exported to syslog do not agree
    with db(copy) as c:
        c.execute("DELETE FROM audit_records WHERE seq > 4")
        c.execute("DELETE FROM audit_checkpoints WHERE seq > 4")
    rc, out = verify(copy)
    assert rc == 0
    rc, out = verify(copy, exported=True)
    assert rc == 1
    assert out["verdict"] == "truncated"


def test_forged_checkpoint(copy):
    with db(copy) as c:
        (seq, line) = c.execute("SELECT seq, line FROM audit_checkpoints ORDER BY seq "
                                "LIMIT 1").fetchone()
        sig = json.loads(line)["sig"]
        forged = line.replace(sig, ("0" if sig[0] != "0" else "1") + sig[1:])
        c.execute("UPDATE audit_checkpoints SET line = ? WHERE seq = ?", (forged, seq))
    rc, out = verify(copy)
    assert rc == 1
    assert out["verdict"] == "forged_checkpoint"


def test_malformed_line(copy):
    with db(copy) as c:
        c.execute("UPDATE audit_records SET line = 'not json\n' WHERE seq = 4")
    rc, out = verify(copy)
    assert rc == 1
    assert out["verdict"] == "malformed" and out["line"] == 4


def test_another_master_key_does_not_verify(copy):
    key = copy / "data" / "master.key"
    os.chmod(key, 0o600)
    key.write_bytes(os.urandom(32))
    rc, out = verify(copy)
    assert rc == 1
    assert out["verdict"] in ("wrong_key", "edited", "forged_checkpoint")


def test_server_keeps_appending_after_restart(copy):
    s = Server(data_dir=str(copy / "data"))
    assert s.stop() == 0, s.raw_lines[-5:]
    rc, out = verify(copy)
    assert rc == 0 and out["records"] == 12, (out, s.raw_lines[-5:])


def test_tampering_is_reported_at_start(copy):
    with db(copy) as c:
        c.execute("DELETE FROM audit_records WHERE seq = 2")
    s = Server(data_dir=str(copy / "data"))
    assert s.alive()
    assert s.events("audit.tampered")
    s.stop()
