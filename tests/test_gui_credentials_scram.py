"""The desktop app's password prompt against a server that checks passwords for real (`tests.pg_scram`): the
Start screen asks, the answer opens the review (and is kept in the keyring when ticked), a wrong one is
refused with a message naming the server; the password reaches no settings file, recent list, log or label."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QCheckBox, QDialog, QDialogButtonBox, QLabel, QLineEdit

from gui import errors
from gui.settings import Settings, store
from tests.pg_scram import PASSWORD, WRONG
from tests.screens import open_window
from tests.test_credentials import _memory_backend


def _answer_prompt(password: str, keep: bool, asked: list[str]) -> QTimer:
    """Type ``password`` into the Password dialog when it shows (and tick "keep" when asked), press OK."""
    timer = QTimer()

    def look() -> None:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QDialog) and w.windowTitle() == "Password" and w.isVisible():
                timer.stop()
                asked.append(" ".join(label.text() for label in w.findChildren(QLabel)))
                w.findChild(QLineEdit, "password").setText(password)
                w.findChild(QCheckBox).setChecked(keep)
                w.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
                return

    timer.timeout.connect(look)
    timer.start(50)
    return timer


def _written(home) -> bytes:
    return b"".join(p.read_bytes() for p in home.rglob("*") if p.is_file())


@pytest.mark.parametrize("keep", [False, True])
def test_the_password_prompt_opens_the_review(qtbot, scram_member, monkeypatch, keep):
    keyring = pytest.importorskip("keyring")
    for key in [k for k in os.environ if k.startswith("PG")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(scram_member["home"]))
    before = keyring.get_keyring()
    backend = _memory_backend()
    keyring.set_keyring(backend)
    log = errors.setup_logging()
    try:
        w = open_window(qtbot, None, settings=Settings.load())
        asked: list[str] = []
        timer = _answer_prompt(PASSWORD, keep, asked)
        w.start.open_target(scram_member["url"])
        qtbot.waitUntil(lambda: w.db is not None, timeout=60_000)
        timer.stop()
        assert asked and f"a password for {scram_member['url']}" in asked[0]  # the dialog names the server
        assert w.db.target == scram_member["url"] and w.db.secret == {"password": PASSWORD}
        assert PASSWORD not in w.windowTitle() + w.start.status.text()
        assert w.settings.recent[0] == scram_member["url"]
        w.settings.save()
        assert backend.kept == ({("metasift", scram_member["url"]): PASSWORD} if keep else {})
        for h in errors.LOG.handlers:
            h.flush()
        assert PASSWORD.encode() not in _written(scram_member["home"]) + log.read_bytes()
        with open(store().fileName(), "rb") as fh:
            assert PASSWORD.encode() not in fh.read()
    finally:
        keyring.set_keyring(before)


def test_a_wrong_password_at_the_prompt_is_refused_by_name(qtbot, scram_member, monkeypatch):
    keyring = pytest.importorskip("keyring")
    for key in [k for k in os.environ if k.startswith("PG")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(scram_member["home"]))
    before = keyring.get_keyring()
    keyring.set_keyring(_memory_backend())
    log = errors.setup_logging()
    try:
        w = open_window(qtbot, None, settings=Settings.load())
        asked: list[str] = []
        timer = _answer_prompt(WRONG, False, asked)
        w.start.open_target(scram_member["url"])
        qtbot.waitUntil(lambda: "refused the login" in w.start.status.text(), timeout=60_000)
        timer.stop()
        shown = w.start.status.text()
        assert asked and w.db is None
        assert scram_member["login"] in shown and "password authentication failed" in shown
        assert WRONG not in shown
        for h in errors.LOG.handlers:
            h.flush()
        assert WRONG.encode() not in _written(scram_member["home"]) + log.read_bytes()
    finally:
        keyring.set_keyring(before)


def test_creating_a_team_review_asks_for_the_password_too(qtbot, scram_cluster, scram_member, monkeypatch):
    import psycopg

    for key in [k for k in os.environ if k.startswith("PG")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(scram_member["home"]))
    database = scram_cluster.new_database()
    with psycopg.connect(scram_cluster.admin_url_for(database), autocommit=True) as conn:
        conn.execute(f'GRANT CREATE ON SCHEMA public TO "{scram_member["login"]}"')
    url = scram_cluster.member_url(scram_member["login"], database)
    w = open_window(qtbot, None, settings=Settings.load())
    asked: list[str] = []
    timer = _answer_prompt(PASSWORD, False, asked)
    w.start.create_target(url, "Made behind a password")
    qtbot.waitUntil(lambda: w.db is not None, timeout=60_000)
    timer.stop()
    assert asked and w.db.target == url and w.db.review().title == "Made behind a password"
    w.settings.save()
    assert PASSWORD.encode() not in _written(scram_member["home"])
