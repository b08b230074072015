"""Shared fixtures: a fresh review on SQLite and on a real PostgreSQL, the demo reviews, the corpus location.

PostgreSQL comes from ``METASIFT_TEST_PG_URL`` (an admin URL; each test gets its own database). Without
it the PostgreSQL cases skip, except under CI (``CI`` set), where they fail: CI must test both.

The demo reviews (`demo`, `deduped_demo`, `worked`) are built once per session and copied for each test.

Qt, in one place: GUI tests are the files ``tests/test_gui_*.py``; they are marked ``gui`` here and run on
the offscreen platform. Without PySide6 they are not collected (the header says so), so the core's tests run
with Qt absent (``.ci/run`` does that in a second environment).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from db.engine import ReviewDB, create_review, open_review
from tests.pg_scram import scram_cluster, scram_member  # noqa: F401 - the fixtures of the password tests

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HAS_QT = importlib.util.find_spec("PySide6") is not None
GUI_TESTS = "test_gui_*.py"
collect_ignore_glob = [] if HAS_QT else [GUI_TESTS]


def pytest_report_header(config: pytest.Config) -> str | None:
    return None if HAS_QT else f"PySide6 is not installed: the GUI tests ({GUI_TESTS}) are not collected"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.match(GUI_TESTS):
            item.add_marker(pytest.mark.gui)

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).with_name("data")
CORPUS = ROOT.parent / "shared" / "corpus"
PG_URL = os.environ.get("METASIFT_TEST_PG_URL", "")
IN_CI = bool(os.environ.get("CI"))


def corpus_or_skip() -> Path:
    """The shared corpus; in CI its absence is a failure, not a skip."""
    if CORPUS.is_dir():
        return CORPUS
    if IN_CI:
        pytest.fail(f"the corpus {CORPUS} is missing in CI")
    pytest.skip("../shared/corpus is not available here")


def _pg_admin_url() -> str:
    if not PG_URL:
        if IN_CI:
            pytest.fail("CI is set but METASIFT_TEST_PG_URL is not: PostgreSQL tests cannot be skipped in CI")
        pytest.skip("METASIFT_TEST_PG_URL not set")
    return PG_URL


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A new, empty PostgreSQL database; yields its URL and drops it afterwards."""
    import psycopg

    admin = _pg_admin_url()
    name = "metasift_t_" + uuid.uuid4().hex[:12]
    try:
        conn = psycopg.connect(admin, autocommit=True)
    except psycopg.OperationalError as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL at {admin} is not reachable in CI: {exc}")
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    with conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = admin.rpartition("/")
    url = f"{base}/{name}"
    yield url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for group in (f"{name}_team", f"{name}_leads"):  # the review's group roles (db.pg_security)
            conn.execute(f'DROP ROLE IF EXISTS "{group}"')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def review_target(request, tmp_path) -> str:
    """Where a new review goes: a SQLite file path or a PostgreSQL URL."""
    if request.param == "sqlite":
        return str(tmp_path / "review.metasift")
    return request.getfixturevalue("pg_database")


@pytest.fixture
def review(review_target) -> Iterator[ReviewDB]:
    """A new, empty review on each back end."""
    db = create_review(review_target, title="Test review")
    yield db
    db.close()


@pytest.fixture
def sqlite_review(tmp_path) -> Iterator[ReviewDB]:
    db = create_review(tmp_path / "review.metasift", title="Test review")
    yield db
    db.close()


def _copy_review(template: Path, folder: Path, name: str) -> ReviewDB:
    shutil.copytree(template, folder)
    return open_review(folder / name)


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory) -> Path:
    from screening.demo import build_demo_review

    folder = tmp_path_factory.mktemp("demo-template")
    build_demo_review(folder).close()
    return folder


@pytest.fixture(scope="session")
def _deduped_template(tmp_path_factory, _demo_template) -> Path:
    from screening.duplicates import run_dedup

    folder = tmp_path_factory.mktemp("deduped-template") / "demo"
    db = _copy_review(_demo_template, folder, "demo.metasift")
    run_dedup(db, who="machine")
    db.close()
    return folder


@pytest.fixture(scope="session")
def _worked_template(tmp_path_factory) -> Path:
    from extraction.demo_worked import build_worked_demo

    folder = tmp_path_factory.mktemp("worked-template") / "worked"
    build_worked_demo(folder).close()
    return folder


@pytest.fixture
def demo(_demo_template, tmp_path) -> Iterator[ReviewDB]:
    """The demo review (`screening.demo.build_demo_review`: both exports imported) in ``tmp_path/demo``."""
    db = _copy_review(_demo_template, tmp_path / "demo", "demo.metasift")
    yield db
    db.close()


@pytest.fixture
def deduped_demo(_deduped_template, tmp_path) -> Iterator[ReviewDB]:
    """The demo review after `run_dedup` by ``machine``, in ``tmp_path/demo``."""
    db = _copy_review(_deduped_template, tmp_path / "demo", "demo.metasift")
    yield db
    db.close()


@pytest.fixture
def worked(_worked_template, tmp_path) -> Iterator[ReviewDB]:
    """The worked demo (`extraction.demo_worked`: every stage done) in ``tmp_path/worked``."""
    db = _copy_review(_worked_template, tmp_path / "worked", "worked-demo.metasift")
    yield db
    db.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def worked_each(request, _worked_template, tmp_path) -> Iterator[ReviewDB]:
    """The worked demo on each back end: a copy of the session's SQLite one, or built on the real PostgreSQL
    server."""
    if request.param == "sqlite":
        db = _copy_review(_worked_template, tmp_path / "worked", "worked-demo.metasift")
    else:
        from extraction.demo_worked import build_worked_demo

        db = build_worked_demo(tmp_path / "worked", request.getfixturevalue("pg_database"))
    yield db
    db.close()


@pytest.fixture(autouse=True)
def _fresh_settings(tmp_path_factory, monkeypatch):
    """Tests never read or write the user's real settings or demo folder."""
    home = tmp_path_factory.mktemp("metasift_home")
    monkeypatch.setenv("METASIFT_HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    import sys

    if "PySide6.QtCore" in sys.modules:
        from PySide6.QtCore import QSettings

        QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(home / "config"))


@pytest.fixture(autouse=True)
def _drain_background(request):
    """GUI tests (marked ``gui``) end only when the app's background work has finished, so no task outlives
    its window or its review."""
    if request.node.get_closest_marker("gui") is None:
        yield
        return
    qtbot = request.getfixturevalue("qtbot")
    yield
    from gui import background

    qtbot.waitUntil(lambda: background.running() == 0, timeout=30_000)


@pytest.fixture(autouse=True)
def _collect_between_tests():
    """Once a GUI test has moved garbage collection to the GUI thread's timer (`gui.gc_guard`), tests that
    run no event loop would never collect cycles: collect what is due after each test, on this thread."""
    yield
    import sys

    guard = sys.modules.get("gui.gc_guard")
    if guard is not None:
        guard.collect_if_due()
