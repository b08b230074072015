"""What the permission tests share: a folder every user may enter, and running a block as an ordinary user
(as root, the effective user and group ``nobody``), so a chmod-ed folder refuses writes as it would for a person."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

NOBODY = 65534


def shared_folder(prefix: str) -> Iterator[Path]:
    """A new folder open to every user (pytest's tmp_path is private to its owner), removed afterwards with
    whatever permissions the test left on it (the body of a fixture)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    yield path
    for p in [path, *path.rglob("*")]:
        if p.is_dir():
            p.chmod(0o755)
    shutil.rmtree(path)


@contextmanager
def ordinary_user() -> Iterator[None]:
    """Run the block as an ordinary user: as root, with the effective user and group ``nobody``."""
    if os.geteuid() != 0:
        yield
        return
    os.setegid(NOBODY)
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)
