"""Passwords never reach settings, recent lists, logs, messages or JSON output (issue 14)."""

from __future__ import annotations

import json
import logging
import os
import stat

import pytest

from cli.app import main
from db.credentials import redact, split_password, with_password, without_password
from db.engine import create_review, display_name, open_review

FORMS = [
    ("postgresql://ann:s3cret@db.example.org:5432/rev", "s3cret"),
    ("postgresql://ann:p@ss/w@rd@db.example.org/rev", "p@ss/w@rd"),  # unencoded @ and / in the password
    ("postgresql://ann@db.example.org/rev?password=s3cret&sslmode=require", "s3cret"),
    ("postgresql://db.example.org/rev?sslmode=require&password=s3cret", "s3cret"),
    ("postgresql://ann:s%40cret@db.example.org/rev", "s%40cret"),
]


@pytest.mark.parametrize(("url", "password"), FORMS)
def test_every_form_is_redacted(url, password):
    line = f"cannot open {url}: connection refused; also host=db password={password} dbname=rev"
    shown = redact(line)
    assert password not in shown
    assert "db.example.org" in shown and "dbname=rev" in shown
    bare, found = split_password(url)
    assert password not in bare and found is not None
    assert display_name(url) == redact(bare)
    assert "db.example.org" in bare


def test_split_and_rejoin_keep_the_password_exact():
    bare, pw = split_password("postgresql://ann:p@ss/w@rd@db.example.org:6543/rev?sslmode=require")
    assert (bare, pw) == ("postgresql://ann@db.example.org:6543/rev?sslmode=require", "p@ss/w@rd")
    assert split_password(with_password(bare, pw)) == (bare, pw)
    assert without_password("/home/ann/review.metasift") == "/home/ann/review.metasift"


def _pg_url_with_password(pg_database: str, password: str) -> str:
    scheme, rest = pg_database.split("://", 1)
    user, host = rest.split("@", 1)
    return f"{scheme}://{user}:{password}@{host}"


@pytest.mark.postgres
def test_cli_output_and_errors_hide_the_password(pg_database, capsys):
    secret = "Zq9@pw"
    url = _pg_url_with_password(pg_database, secret)
    assert main(["init", url, "--json"]) == 0
    out = capsys.readouterr()
    assert secret not in out.out + out.err
    assert main(["status", url, "--json"]) == 0
    out = capsys.readouterr()
    assert secret not in out.out + out.err
    assert json.loads(out.out)["review"].startswith("postgresql://postgres@127.0.0.1")
    db = open_review(url)
    try:
        assert secret not in db.target and secret not in repr(db) and secret not in db.name
        assert db.handover_target() != db.target  # a child process still gets it
    finally:
        db.close()
    # a server that does not exist: the error message names the URL without the password
    bad = "postgresql://ann:" + secret + "@127.0.0.1:1/nothing?password=" + secret
    assert main(["status", bad, "--json"]) != 0
    out = capsys.readouterr()
    assert "127.0.0.1" in out.err and secret not in out.out + out.err


def test_sqlite_status_json_names_the_file(tmp_path, capsys):
    path = tmp_path / "r.metasift"
    create_review(path).close()
    assert main(["status", str(path), "--json"]) == 0
    assert str(path) in capsys.readouterr().out


@pytest.mark.gui  # the desktop app's settings and log (not run where Qt is absent)
def test_settings_never_keep_a_password_and_are_owner_only(qtbot, tmp_path):
    from gui.settings import Settings, store

    qs = store()
    # a settings file an older MetaSift wrote: recent URLs with passwords, readable by everyone
    qs.setValue("schema", 1)
    qs.setValue("recent", json.dumps(["postgresql://ann:s3cret@db/rev", "/tmp/a.metasift",
                                      "postgresql://ann@db/rev?password=s3cret"]))
    qs.sync()
    os.chmod(qs.fileName(), 0o644)
    s = Settings.load()  # first start of this MetaSift: the file is cleaned
    assert s.recent == ["postgresql://ann@db/rev", "/tmp/a.metasift"]
    with open(qs.fileName(), encoding="utf-8") as fh:
        assert "s3cret" not in fh.read()
    assert stat.S_IMODE(os.stat(qs.fileName()).st_mode) == 0o600
    s.remember("postgresql://bob:hunter2@db/rev2")
    s.save()
    with open(store().fileName(), encoding="utf-8") as fh:
        assert "hunter2" not in fh.read()
    assert Settings.load().recent[0] == "postgresql://bob@db/rev2"


@pytest.mark.gui  # the desktop app's settings and log (not run where Qt is absent)
def test_gui_log_redacts(tmp_path):
    from gui import errors

    path = errors.setup_logging()
    try:
        raise RuntimeError("could not connect to postgresql://ann:s3cret@db/rev")
    except RuntimeError as exc:
        errors.log_error(exc, "opening postgresql://ann:s3cret@db/rev")
        assert "s3cret" not in errors.describe(exc)
    for h in errors.LOG.handlers:
        h.flush()
    text = path.read_text(encoding="utf-8")
    assert "could not connect" in text and "s3cret" not in text
    logging.getLogger("metasift.gui").handlers  # noqa: B018 - the logger stays configured


def _memory_backend():
    """A keyring backend (keyring's own backend API) that keeps secrets in memory: the test never touches the
    user's system keyring."""
    import keyring.backend

    class Memory(keyring.backend.KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def __init__(self) -> None:
            super().__init__()
            self.kept: dict[tuple[str, str], str] = {}

        def get_password(self, service, username):
            return self.kept.get((service, username))

        def set_password(self, service, username, password):
            self.kept[(service, username)] = password

        def delete_password(self, service, username):
            self.kept.pop((service, username), None)

    return Memory()


@pytest.mark.postgres
def test_a_password_kept_in_the_keyring_is_used_and_never_shown(pg_database, capsys):
    keyring = pytest.importorskip("keyring")
    from db.credentials import keep_in_keyring, keyring_password

    before = keyring.get_keyring()
    backend = _memory_backend()
    keyring.set_keyring(backend)
    try:
        create_review(pg_database).close()
        assert keep_in_keyring(pg_database, "kept-Secret9")
        assert keyring_password(pg_database) == "kept-Secret9"
        assert list(backend.kept) == [("metasift", pg_database)]  # keyed by the URL without password
        db = open_review(pg_database)
        try:
            assert db.secret == {"password": "kept-Secret9"} and "kept-Secret9" not in db.target + repr(db)
        finally:
            db.close()
        assert main(["status", pg_database, "--json"]) == 0
        assert "kept-Secret9" not in capsys.readouterr().out
    finally:
        keyring.set_keyring(before)
