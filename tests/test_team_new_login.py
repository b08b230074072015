"""A lead creates a member's login with its first password (issue 14): MetaSift sends a SCRAM-SHA-256 verifier it
computed itself (`db.scram`), so the plain password never reaches the server; the real SCRAM server of
`tests.pg_scram` then lets the member in with exactly that password and turns every other one away."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from db.scram import saslprep, scram_verifier
from tests.pg_scram import PASSWORD

ROOT = Path(__file__).resolve().parents[1]


def _connects(cluster, login: str, database: str, password: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(host="127.0.0.1", port=cluster.port, dbname=database, user=login, password=password,
                             connect_timeout=10):
            return True
    except psycopg.OperationalError as exc:
        assert "password authentication failed" in str(exc), exc
        return False


def test_the_verifier_has_postgresqls_layout_and_depends_on_salt_and_password():
    one = scram_verifier("secret", salt=b"0123456789abcdef")
    assert one == scram_verifier("secret", salt=b"0123456789abcdef")
    head, keys = one.split("$")[1:]
    assert one.startswith("SCRAM-SHA-256$4096:") and head.split(":")[1] == "MDEyMzQ1Njc4OWFiY2RlZg=="
    assert [len(k) for k in keys.split(":")] == [44, 44]  # base64 of two SHA-256 digests
    assert scram_verifier("secret2", salt=b"0123456789abcdef") != one
    assert scram_verifier("secret") != scram_verifier("secret")  # a fresh salt each time
    with pytest.raises(ValueError):
        scram_verifier("")


def test_saslprep_maps_spaces_and_removes_invisible_characters():
    assert saslprep("plain ascii") == b"plain ascii"
    assert saslprep("a\u00a0b") == b"a b"  # a no-break space is a space
    assert saslprep("a\u00adb") == b"ab"  # a soft hyphen maps to nothing
    assert saslprep("\u2168") == b"IX"  # NFKC: the Roman numeral nine
    assert saslprep("a\u0007b") == "a\u0007b".encode()  # prohibited (a control character): used as is


@pytest.mark.parametrize("password", [PASSWORD, "Pässwörd\u00a0mit Ümlaut", "\u2168-ninth"])
def test_the_server_accepts_the_verifier_for_exactly_that_password(scram_cluster, password):
    import psycopg
    from psycopg import sql

    database = scram_cluster.new_database()
    login = "v_" + uuid.uuid4().hex[:10]
    with psycopg.connect(scram_cluster.admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(login),
                                                                        sql.Literal(scram_verifier(password))))
        stored = conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (login,)).fetchone()
    assert stored is not None and str(stored[0]).startswith("SCRAM-SHA-256$4096:")
    assert _connects(scram_cluster, login, database, password)
    assert not _connects(scram_cluster, login, database, password + "x")


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "METASIFT_KEYRING"}
    env.update(HOME=str(home), METASIFT_HOME=str(home / "metasift"), PYTHONPATH=str(ROOT))
    return env


def test_team_add_create_login_with_password_stdin_lets_the_member_in(scram_cluster, scram_member):
    """The review's owner (over the trusted socket) adds Sam with a new login and a first password read from
    stdin; Sam then opens the review over TCP with that password from a password file. The password is in no
    output, JSON or file MetaSift wrote."""
    database, home = scram_member["database"], scram_member["home"]
    login, password = "sam_" + uuid.uuid4().hex[:8], "Sam-first:pw@1"
    admin = scram_cluster.admin_url_for(database)
    env = _env(home)
    added = subprocess.run([sys.executable, "-m", "cli.app", "team", "add", admin, "--reviewer", "Ann",
                            "--name", "Sam", "--login", login, "--role", "screener", "--create-login",
                            "--password-stdin", "--json"], input=password + "\n", env=env, cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
    assert added.returncode == 0, added.stderr
    data = json.loads(added.stdout)
    assert data["member"]["login"] == login and data["login_password_set"] is True
    assert _connects(scram_cluster, login, database, password)
    pgpass = home / ".pgpass"
    escaped = password.replace("\\", "\\\\").replace(":", "\\:")
    pgpass.write_text(f"127.0.0.1:{scram_cluster.port}:{database}:{login}:{escaped}\n", encoding="utf-8")
    pgpass.chmod(0o600)
    sam = scram_cluster.member_url(login, database)
    status = subprocess.run([sys.executable, "-m", "cli.app", "status", sam, "--json"], env=env, cwd=ROOT,
                            capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["review"] == sam
    for text in (added.stdout, added.stderr, status.stdout, status.stderr):
        assert password not in text
    for path in home.rglob("*"):
        if path.is_file() and path != pgpass:
            assert password.encode() not in path.read_bytes(), path


def test_a_password_for_a_login_that_exists_is_refused_and_nothing_changes(scram_cluster, scram_member):
    database = scram_member["database"]
    admin = scram_cluster.admin_url_for(database)
    existing = scram_cluster.new_login("Own-pw:3", database)
    proc = subprocess.run([sys.executable, "-m", "cli.app", "team", "add", admin, "--reviewer", "Ann", "--name",
                           "Eve", "--login", existing, "--role", "screener", "--create-login", "--password-stdin"],
                          input="Other-pw\n", env=_env(scram_member["home"]), cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"the login {existing!r} already exists" in proc.stderr and "Other-pw" not in proc.stderr
    assert _connects(scram_cluster, existing, database, "Own-pw:3")
    assert not _connects(scram_cluster, existing, database, "Other-pw")
    listed = subprocess.run([sys.executable, "-m", "cli.app", "team", "list", admin, "--json"],
                            env=_env(scram_member["home"]), cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    assert "Eve" not in [m["name"] for m in json.loads(listed.stdout)["members"]]


def test_password_stdin_needs_create_login(scram_cluster, scram_member):
    admin = scram_cluster.admin_url_for(scram_member["database"])
    proc = subprocess.run([sys.executable, "-m", "cli.app", "team", "add", admin, "--reviewer", "Ann", "--name",
                           "Zed", "--login", "zed", "--role", "screener", "--password-stdin"], input="pw\n",
                          env=_env(scram_member["home"]), cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "add --create-login" in proc.stderr, proc.stderr
