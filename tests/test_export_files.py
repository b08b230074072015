"""Export files on real folders: modes follow the umask, a read-only / missing destination and a full disk give
one plain message naming the folder (old file kept), an interrupted or killed export leaves no temporary file.

Read-only folders are real ``chmod 0555`` folders; as root (who may write anyway) the write runs with the
effective user ``nobody``. The full disk is a real file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored, so the
write fails with EFBIG as on a full disk) in a separate process, and a real 64 kB tmpfs where mounting works.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from as_nobody import ordinary_user, shared_folder
from counts_review import build

from db.engine import create_review
from extraction.atomic_write import ExportError
from extraction.export import export
from extraction.prisma import draw_prisma, prisma_counts


@pytest.fixture
def db(tmp_path):
    review = create_review(tmp_path / "files.metasift", title="Files")
    build(review)
    yield review
    review.close()


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder every user may enter (pytest's tmp_path is private to its owner)."""
    yield from shared_folder("metasift-files-")


@contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("mask", [0o022, 0o002])
def test_exports_follow_the_umask(db, tmp_path, mask):
    with umask(mask):
        for name in ("r.xlsx", "r.csv", "inc.ris"):
            export(db, tmp_path / name, "included" if name.endswith(".ris") else "records")
        for name in ("p.png", "p.svg", "p.pdf"):
            draw_prisma(prisma_counts(db), tmp_path / name)
    for name in ("r.xlsx", "r.csv", "inc.ris", "p.png", "p.svg", "p.pdf"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o666 & ~mask, name
    assert _leftovers(tmp_path) == []


def test_read_only_folder_is_named_and_nothing_is_written(db, shared_dir):
    folder = shared_dir / "read-only"
    folder.mkdir()
    (folder / "r.csv").write_text("old")
    folder.chmod(0o555)
    for name in ("r.csv", "r.xlsx"):
        with ordinary_user(), pytest.raises(ExportError) as err:
            export(db, folder / name, "records")
        assert str(folder) in str(err.value) and "read-only" in str(err.value)
        assert ".part" not in str(err.value) and "tmp" not in str(err.value).replace(str(shared_dir), "")
    with ordinary_user(), pytest.raises(ExportError, match="read-only"):
        draw_prisma(prisma_counts(db), folder / "p.png")
    assert sorted(p.name for p in folder.iterdir()) == ["r.csv"] and (folder / "r.csv").read_text() == "old"


def test_missing_folder_is_made_or_named(db, tmp_path, shared_dir):
    export(db, tmp_path / "new" / "deeper" / "r.xlsx", "records")  # a new folder is made
    assert (tmp_path / "new" / "deeper" / "r.xlsx").is_file()
    (tmp_path / "plain").write_text("x")
    with pytest.raises(ExportError, match="is not a folder"):
        export(db, tmp_path / "plain" / "r.csv", "records")
    locked = shared_dir / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    with ordinary_user(), pytest.raises(ExportError) as err:  # the folder cannot be made there
        export(db, locked / "sub" / "r.csv", "records")
    assert str(locked / "sub") in str(err.value) and "read-only" in str(err.value)


def _cli(args: list[str], *, fsize: int | None = None, check_signal: bool = True) -> subprocess.CompletedProcess:
    def limit() -> None:
        if fsize is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))

    return subprocess.run([sys.executable, "-m", "cli.app", *args], capture_output=True, text=True, timeout=120,
                          preexec_fn=limit, cwd=Path(__file__).resolve().parents[1])


def test_disk_full_keeps_the_old_file_and_says_so(db, tmp_path):
    out = tmp_path / "review.xlsx"
    out.write_bytes(b"old workbook")
    done = _cli(["export", db.target, str(out), "--level", "records"], fsize=4096)
    assert done.returncode == 1, done.stderr
    assert "not enough space" in done.stderr and str(tmp_path) in done.stderr and "unchanged" in done.stderr
    assert "Traceback" not in done.stderr and ".part" not in done.stderr
    assert out.read_bytes() == b"old workbook" and _leftovers(tmp_path) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")
def test_a_really_full_tmpfs(db, tmp_path):
    mnt = tmp_path / "small"  # a real file system of 64 kB
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)], capture_output=True).returncode:
        pytest.skip("mount is not permitted here")
    try:
        out = mnt / "records.csv"
        out.write_text("old")
        with (mnt / "filler").open("wb", buffering=0) as fh, pytest.raises(OSError):  # fill to the last block
            while True:
                fh.write(b"x" * 4096)
        with pytest.raises(ExportError, match="not enough space") as err:
            export(db, out, "records")
        assert str(mnt) in str(err.value)
        assert out.read_text() == "old" and sorted(p.name for p in mnt.iterdir()) == ["filler", "records.csv"]
    finally:
        subprocess.run(["umount", str(mnt)], check=True)


WRITER = """
import os, signal, sys
from pathlib import Path
from extraction.atomic_write import atomic_path
with atomic_path(Path(sys.argv[1]), ".csv") as tmp:
    tmp.write_text("half a ta")
    if sys.argv[2] == "kill":
        os._exit(9)  # dies at once, like kill -9: no clean-up runs
    os.kill(os.getpid(), signal.SIGINT)  # Ctrl+C
"""


def test_interrupted_export_leaves_no_temporary_file(tmp_path):
    out = tmp_path / "table.csv"
    out.write_text("old")
    root = Path(__file__).resolve().parents[1]
    ctrl_c = subprocess.run([sys.executable, "-c", WRITER, str(out), "int"], cwd=root, capture_output=True)
    assert ctrl_c.returncode != 0 and _leftovers(tmp_path) == [] and out.read_text() == "old"
    killed = subprocess.run([sys.executable, "-c", WRITER, str(out), "kill"], cwd=root, capture_output=True)
    assert killed.returncode == 9 and len(_leftovers(tmp_path)) == 1  # what a killed process leaves ...
    from extraction.atomic_write import atomic_path

    with atomic_path(out, ".csv") as tmp:
        tmp.write_text("new")
    assert _leftovers(tmp_path) == [] and out.read_text() == "new"  # ... the next export removes
