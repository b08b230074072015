"""A throw-away PostgreSQL cluster that asks TCP clients for a password (``scram-sha-256``), for the tests of
the password paths (the shared test server trusts everyone, so a password there is never checked).

`scram_cluster` (session scope) runs Debian's ``initdb`` with ``--auth-host=scram-sha-256
--auth-local=trust`` and ``pg_ctl start`` on a free port of 127.0.0.1, its unix socket in the cluster's own
temporary folder. The administrator connects through that socket (trusted); members connect through
127.0.0.1 and must prove their password. As root the server runs as ``postgres`` (``runuser``, like
``.ci/run``). `scram_member` adds a review there whose lead logs in with `PASSWORD`. Without the
binaries the tests skip, except under CI (``CI`` set), where they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from db.engine import create_review
from screening import team

IN_CI = bool(os.environ.get("CI"))
PASSWORD = "Sc@m-pw/9?x"  # an @, a / and a ? that a careless URL parser would misread
WRONG = "Not-it#7@q"


@dataclass(frozen=True)
class ScramCluster:
    """A running cluster: TCP ``port`` on 127.0.0.1 (passwords checked), unix ``socket_dir`` (trusted)."""

    port: int
    socket_dir: Path

    @property
    def admin_url(self) -> str:
        """The administrator over the trusted unix socket (no password)."""
        return f"postgresql://postgres@/postgres?host={self.socket_dir}&port={self.port}"

    def admin_url_for(self, database: str) -> str:
        return f"postgresql://postgres@/{database}?host={self.socket_dir}&port={self.port}"

    def member_url(self, login: str, database: str) -> str:
        """``login`` over TCP, without password: the server asks for one."""
        return f"postgresql://{login}@127.0.0.1:{self.port}/{database}"

    def new_login(self, password: str, database: str) -> str:
        """A new login with ``password`` (stored as a SCRAM verifier) allowed to connect to ``database``."""
        import psycopg
        from psycopg import sql

        login = "scram_" + uuid.uuid4().hex[:10]
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(login), sql.Literal(password)))
            verifier = conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (login,)).fetchone()
        assert verifier is not None and str(verifier[0]).startswith("SCRAM-SHA-256$")
        return login

    def new_database(self) -> str:
        import psycopg

        name = "scram_" + uuid.uuid4().hex[:10]
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: [int(x) for x in p.parent.parent.name.split(".") if x.isdigit()])
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"CI is set but {reason}: the password tests cannot be skipped in CI")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def scram_cluster() -> Iterator[ScramCluster]:
    """The session's own PostgreSQL cluster with password (SCRAM) authentication on 127.0.0.1."""
    pgbin = _pg_bin()
    if pgbin is None:
        _unavailable("PostgreSQL's server binaries (initdb, pg_ctl) are not installed")
    assert pgbin is not None
    work = Path(tempfile.mkdtemp(prefix="metasift-scram-"))
    run_as: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        shutil.chown(work, "postgres")
        work.chmod(0o755)
        run_as = ["runuser", "-u", "postgres", "--"]
    data, log = work / "data", work / "server.log"
    try:
        subprocess.run([*run_as, str(pgbin / "initdb"), "-D", str(data), "-U", "postgres",
                        "--auth-host=scram-sha-256", "--auth-local=trust"],
                       check=True, capture_output=True, timeout=120)
        port = _free_port()
        opts = f"-p {port} -k {work} -c listen_addresses=127.0.0.1"
        started = subprocess.run([*run_as, str(pgbin / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(log),
                                  "-w", "start"], capture_output=True, timeout=120)
        if started.returncode != 0:
            _unavailable(f"the throw-away cluster did not start: {log.read_text(errors='replace')[-500:]}")
        try:
            yield ScramCluster(port=port, socket_dir=work)
        finally:
            subprocess.run([*run_as, str(pgbin / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
                           capture_output=True, timeout=120)
    finally:
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture
def scram_member(scram_cluster: ScramCluster, tmp_path: Path) -> Iterator[dict]:
    """A team review on the SCRAM server whose lead Ann logs in as her own login with `PASSWORD`."""
    database = scram_cluster.new_database()
    login = scram_cluster.new_login(PASSWORD, database)
    db = create_review(scram_cluster.admin_url_for(database), title="Password review")
    team.add(db, "Ann", "Ann", ["lead"], login=login)
    db.close()
    home = tmp_path / "home"
    home.mkdir()
    yield {"login": login, "database": database, "url": scram_cluster.member_url(login, database),
           "port": scram_cluster.port, "home": home}


def allow_only(cluster: ScramCluster, database: str, lines: list[str]) -> None:
    """Put ``lines`` (``pg_hba.conf`` entries for ``database``) first in the cluster's ``pg_hba.conf``, reject
    every other connection to ``database`` over TCP, and reload; other databases keep their rules."""
    import psycopg

    with psycopg.connect(cluster.admin_url, autocommit=True) as conn:
        row = conn.execute("SHOW hba_file").fetchone()
        assert row is not None
        hba = Path(str(row[0]))
        hba.write_text("\n".join([*lines, f"host {database} all 127.0.0.1/32 reject", ""])
                       + hba.read_text(encoding="utf-8"), encoding="utf-8")
        conn.execute("SELECT pg_reload_conf()")
        errors = conn.execute("SELECT line_number, error FROM pg_hba_file_rules WHERE error IS NOT NULL").fetchall()
    assert not errors, errors
