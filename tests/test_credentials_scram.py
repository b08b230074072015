"""Passwords checked for real (issue 14): a member's login on a server that asks for a SCRAM password
(`tests.pg_scram`), given through ``~/.pgpass``, ``PGPASSFILE``, a libpq service file, the system keyring, the
CLI's prompt on a terminal and the desktop app's prompt. Each authenticates; a wrong password gives a message
naming the server and not the password; the password shows up in no output, JSON, log or settings file."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.pg_scram import PASSWORD, WRONG, allow_only

ROOT = Path(__file__).resolve().parents[1]


def _env(scram_member: dict, **extra: str) -> dict[str, str]:
    """A clean environment: no libpq variable of the person running the tests, HOME and METASIFT_HOME in
    the test's folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "METASIFT_KEYRING"}
    env.update(HOME=str(scram_member["home"]), METASIFT_HOME=str(scram_member["home"] / "metasift"),
               XDG_CONFIG_HOME=str(scram_member["home"] / "config"), PYTHONPATH=str(ROOT))
    env.update(extra)
    return env


def _metasift(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The real CLI in its own process, with no terminal (stdin is not a tty)."""
    return subprocess.run([sys.executable, "-m", "cli.app", *argv], env=env, cwd=ROOT, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=120)


def _nowhere(scram_member: dict, *texts: str, password: str = PASSWORD) -> None:
    """``password`` is in none of ``texts`` and in no file under the test's HOME (settings, logs), except the
    password files the test itself wrote there."""
    for text in texts:
        assert password not in text
    for path in scram_member["home"].rglob("*"):
        if path.is_file() and path.name not in (".pgpass", "pgpass", "pg_service.conf"):
            assert password.encode() not in path.read_bytes(), path


def _status_ok(proc: subprocess.CompletedProcess[str], scram_member: dict) -> None:
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["review"] == scram_member["url"]


def _refused(proc: subprocess.CompletedProcess[str], scram_member: dict) -> None:
    """A wrong password: exit 1, one clear line naming the server (host, port, login), never the password."""
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "password authentication failed" in proc.stderr
    assert "the server refused the login" in proc.stderr and scram_member["login"] in proc.stderr
    assert '"127.0.0.1", port ' + str(scram_member["port"]) in proc.stderr  # libpq names the server it asked


def _pgpass_line(scram_member: dict, password: str) -> str:
    escaped = password.replace("\\", "\\\\").replace(":", "\\:")
    return f"127.0.0.1:{scram_member['port']}:{scram_member['database']}:{scram_member['login']}:{escaped}\n"


@pytest.mark.parametrize("where", ["home", "PGPASSFILE"])
def test_a_password_file_authenticates(scram_member, where):
    path = scram_member["home"] / ".pgpass" if where == "home" else scram_member["home"] / "secrets" / "pgpass"
    path.parent.mkdir(exist_ok=True)
    path.write_text(_pgpass_line(scram_member, PASSWORD), encoding="utf-8")
    path.chmod(0o600)  # libpq ignores a password file others can read
    env = _env(scram_member, **({"PGPASSFILE": str(path)} if where == "PGPASSFILE" else {}))
    proc = _metasift(["status", scram_member["url"], "--json"], env)
    _status_ok(proc, scram_member)
    _nowhere(scram_member, proc.stdout, proc.stderr)
    path.write_text(_pgpass_line(scram_member, WRONG), encoding="utf-8")
    proc = _metasift(["status", scram_member["url"], "--json"], env)
    _refused(proc, scram_member)
    _nowhere(scram_member, proc.stdout, proc.stderr, password=WRONG)


def test_a_service_file_authenticates(scram_member):
    path = scram_member["home"] / "pg_service.conf"

    def write(password: str) -> None:
        path.write_text(f"[ann_review]\nhost=127.0.0.1\nport={scram_member['port']}\ndbname={scram_member['database']}\n"
                        f"user={scram_member['login']}\npassword={password}\n", encoding="utf-8")
        path.chmod(0o600)

    write(PASSWORD)
    env = _env(scram_member, PGSERVICEFILE=str(path))
    target = "postgresql:///?service=ann_review"
    proc = _metasift(["status", target, "--json"], env)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["review"] == target
    _nowhere(scram_member, proc.stdout, proc.stderr)
    write(WRONG)
    proc = _metasift(["status", target, "--json"], env)
    _refused(proc, scram_member)
    _nowhere(scram_member, proc.stdout, proc.stderr, password=WRONG)


def test_the_keyring_entry_authenticates(scram_member, monkeypatch, capsys):
    keyring = pytest.importorskip("keyring")
    from cli.app import main
    from db.credentials import keep_in_keyring
    from tests.test_credentials import _memory_backend

    for key in [k for k in os.environ if k.startswith("PG")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(scram_member["home"]))
    before = keyring.get_keyring()
    backend = _memory_backend()
    keyring.set_keyring(backend)
    try:
        assert main(["status", scram_member["url"], "--json"]) == 1  # nothing kept yet: the server refuses
        out = capsys.readouterr()
        assert "no password supplied" in out.err and f"127.0.0.1:{scram_member['port']}" in out.err
        assert keep_in_keyring(scram_member["url"], PASSWORD)
        assert main(["status", scram_member["url"], "--json"]) == 0
        out = capsys.readouterr()
        assert json.loads(out.out)["review"] == scram_member["url"]
        _nowhere(scram_member, out.out, out.err)
        assert keep_in_keyring(scram_member["url"], WRONG)
        assert main(["status", scram_member["url"], "--json"]) == 1
        out = capsys.readouterr()
        assert "password authentication failed" in out.err and scram_member["login"] in out.err
        _nowhere(scram_member, out.out, out.err, password=WRONG)
    finally:
        keyring.set_keyring(before)


def _in_a_terminal(argv: list[str], env: dict[str, str], answer: str) -> tuple[int, str]:
    """Run the CLI on a pseudo-terminal, type ``answer`` at its password prompt; (exit code, all it wrote)."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the terminal is its stdin, stdout and stderr
        os.chdir(ROOT)
        os.execve(sys.executable, [sys.executable, "-m", "cli.app", *argv], env)
    seen, answered, deadline = b"", False, time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1.0)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
        if not answered and b"password for" in seen and seen.rstrip().endswith(b":"):
            os.write(fd, answer.encode() + b"\r")
            answered = True
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert answered, seen.decode(errors="replace")
    return os.waitstatus_to_exitcode(status), seen.decode(errors="replace")


def test_the_terminal_prompt_authenticates(scram_member):
    env = _env(scram_member)
    code, shown = _in_a_terminal(["status", scram_member["url"], "--json"], env, PASSWORD)
    assert code == 0, shown
    assert f"password for {scram_member['url']}:" in shown  # the prompt names the server, without a password
    assert json.loads(shown[shown.index("{"):])["review"] == scram_member["url"]
    _nowhere(scram_member, shown)  # getpass does not echo it
    code, shown = _in_a_terminal(["status", scram_member["url"], "--json"], env, WRONG)
    assert code == 1, shown
    assert "password authentication failed" in shown and f"127.0.0.1:{scram_member['port']}" in shown
    assert "Traceback" not in shown
    _nowhere(scram_member, shown, password=WRONG)


def test_the_readmes_pg_hba_line_admits_the_team_and_no_one_else(scram_cluster, scram_member):
    """The README's advice, ``host DB +DB_team NET scram-sha-256``: the lead and a screener she adds (an
    existing login with its password) get in with their passwords; a login off the roster is turned away by
    the server, and MetaSift says it could not connect (not that the database is not a review)."""
    from db.pg_security import team_role

    database, lead = scram_member["database"], scram_member["login"]
    screener = scram_cluster.new_login("Scr-pw:2", database)
    stranger = scram_cluster.new_login("Str-pw\\3", database)
    allow_only(scram_cluster, database, [f"host {database} +{team_role(database)} 127.0.0.1/32 scram-sha-256"])
    pgpass = scram_member["home"] / ".pgpass"
    pgpass.write_text("".join(_pgpass_line(scram_member, pw).replace(f":{lead}:", f":{who}:")
                              for who, pw in ((lead, PASSWORD), (screener, "Scr-pw:2"), (stranger, "Str-pw\\3"))),
                      encoding="utf-8")
    pgpass.chmod(0o600)
    env = _env(scram_member)
    added = _metasift(["team", "add", scram_member["url"], "--name", "Sam", "--login", screener,
                       "--role", "screener", "--json"], env)
    assert added.returncode == 0, added.stderr
    sam = scram_cluster.member_url(screener, database)
    deadline = time.monotonic() + 20  # the reload is asynchronous: wait until the server turns strangers away
    while True:
        turned = _metasift(["status", scram_cluster.member_url(stranger, database), "--json"], env)
        if turned.returncode != 0 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert turned.returncode == 1 and "pg_hba.conf rejects connection" in turned.stderr, turned.stderr
    away = scram_cluster.member_url(stranger, database)
    assert turned.stderr.startswith(f"metasift: error: cannot connect to {away}")
    assert "not a MetaSift review" not in turned.stderr
    ok = _metasift(["status", sam, "--json"], env)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["review"] == sam
    _nowhere(scram_member, added.stdout, added.stderr, ok.stdout, ok.stderr, turned.stdout, turned.stderr)
    for pw in ("Scr-pw:2", "Str-pw\\3"):
        _nowhere(scram_member, added.stdout, added.stderr, ok.stdout, ok.stderr, turned.stderr, password=pw)


def test_a_password_file_others_can_read_is_not_used(scram_member):
    """libpq ignores a ``~/.pgpass`` with group or world access (and says so); MetaSift then says where a
    password can come from, without showing the one in the file."""
    path = scram_member["home"] / ".pgpass"
    path.write_text(_pgpass_line(scram_member, PASSWORD), encoding="utf-8")
    path.chmod(0o644)
    proc = _metasift(["status", scram_member["url"], "--json"], _env(scram_member))
    assert proc.returncode == 1
    assert "has group or world access" in proc.stderr  # libpq's own warning
    assert "no password supplied" in proc.stderr and "~/.pgpass" in proc.stderr
    _nowhere(scram_member, proc.stdout, proc.stderr)


def test_a_password_stored_as_md5_cannot_pass_a_scram_line(scram_cluster, scram_member):
    """Why the README says to set passwords under ``password_encryption = scram-sha-256``: the server keeps
    only an MD5 hash then, which a ``scram-sha-256`` line cannot check; MetaSift says the login was refused."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(scram_cluster.admin_url, autocommit=True) as conn:
        conn.execute("SET password_encryption = 'md5'")
        conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(scram_member["login"]),
                                                                sql.Literal(PASSWORD)))
    path = scram_member["home"] / ".pgpass"
    path.write_text(_pgpass_line(scram_member, PASSWORD), encoding="utf-8")
    path.chmod(0o600)
    proc = _metasift(["status", scram_member["url"], "--json"], _env(scram_member))
    _refused(proc, scram_member)
    _nowhere(scram_member, proc.stdout, proc.stderr)


def test_init_at_a_terminal_asks_too(scram_cluster, scram_member):
    """A lead creating a review on a password server from a terminal is asked, like every other command;
    ``METASIFT_KEYRING=1`` without a usable keyring says the password was not kept."""
    import psycopg

    database = scram_cluster.new_database()
    with psycopg.connect(scram_cluster.admin_url_for(database), autocommit=True) as conn:
        conn.execute(f'GRANT CREATE ON SCHEMA public TO "{scram_member["login"]}"')
    url = scram_cluster.member_url(scram_member["login"], database)
    env = _env(scram_member, METASIFT_KEYRING="1", PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    code, shown = _in_a_terminal(["init", url, "--json"], env, PASSWORD)
    assert code == 0, shown
    assert json.loads(shown[shown.index("{"):])["review"] == url
    assert "no system keyring is usable; the password was not kept" in shown
    _nowhere(scram_member, shown)
    proc = _metasift(["status", url, "--json"], _env(scram_member))  # not kept: no terminal, no password
    assert proc.returncode == 1 and "none was found" in proc.stderr and "~/.pgpass" in proc.stderr


def test_a_traceback_asked_for_with_debug_holds_no_password(scram_member):
    """``--debug`` shows the whole traceback of a refused login typed at the prompt, and still not the
    password (it travels as a driver argument, never inside a URL or message)."""
    code, shown = _in_a_terminal(["--debug", "status", scram_member["url"]], _env(scram_member), WRONG)
    assert code != 0 and "Traceback" in shown and "LoginRefused" in shown
    _nowhere(scram_member, shown, password=WRONG)
