"""Writing an export file safely: every export (xlsx, csv, ris, png, svg, pdf) goes through `atomic_path`.

- The file is written to a temporary file beside the target and renamed over it only when complete, so a
  failed or interrupted export leaves the old file as it was and no half-written one.
- The temporary file is created with mode 0666 minus the umask (as any new file the user makes), not
  `tempfile.mkstemp`'s 0600, so a team sharing a folder can open the export.
- The temporary file's name carries the writing process id: a later export to the same target removes
  the temporary files of processes that no longer run (an export killed outright cannot clean up itself).
- A missing folder is made; OS errors become one plain `ExportError` naming the folder (cannot be made, not a
  folder, read-only) or saying
  that the disk is full (the existing file is kept); the temporary file name never reaches the user.

Written by hand: the standard library has the pieces (os.open, os.replace) but no atomic replace with umask
modes and readable errors, and the small packages that do atomic writes use mkstemp's 0600 as well.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from db.errors import MetasiftError

_FULL = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}
_DENIED = {errno.EACCES, errno.EPERM, errno.EROFS}


def _os_error(exc: BaseException) -> OSError | None:
    """The OS error behind ``exc``: itself, one it wraps (XlsxWriter raises ``FileCreateError(oserror)``), or
    the one lxml's serialiser reports by name (``IO_EFBIG``, ``IO_ENOSPC``: openpyxl writes through lxml)."""
    if isinstance(exc, OSError):
        return exc
    inner = next((a for a in exc.args if isinstance(a, OSError)), None) or exc.__cause__ or exc.__context__
    if isinstance(inner, OSError):
        return inner
    m = re.search(r"\bIO_(E[A-Z]+)\b", str(exc))
    code = getattr(errno, m.group(1), None) if m else None
    return OSError(code, str(exc)) if code is not None else None


class ExportError(MetasiftError):
    """An export could not be written (destination missing or read-only, disk full); nothing was changed."""


def _temp_name(out: Path, suffix: str) -> Path:
    return out.with_name(f".{out.name}.{os.getpid()}-{secrets.token_hex(4)}{suffix}.part")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    return True


def remove_stale_temps(out: Path) -> list[Path]:
    """Delete temporary files of earlier exports to ``out`` whose process is gone; returns what was removed."""
    pattern = re.compile(rf"^\.{re.escape(out.name)}\.(\d+)-[0-9a-f]{{8}}.*\.part$")
    removed = []
    with suppress(OSError):
        for entry in out.parent.iterdir():
            m = pattern.match(entry.name)
            if m and int(m.group(1)) != os.getpid() and not _alive(int(m.group(1))):
                with suppress(OSError):
                    entry.unlink()
                    removed.append(entry)
    return removed


def _explain(exc: OSError, out: Path, scratch: Path | None = None) -> ExportError:
    folder = out.parent
    if exc.errno in _FULL:
        kept = " (the existing file is unchanged)" if out.exists() else ""
        where = f"{folder}" + (f" or the temporary folder {scratch}" if scratch and scratch != folder else "")
        return ExportError(f"not enough space to write {out.name} in {where}: the disk is full or the file "
                           f"is larger than this system allows; nothing was written{kept}. Free some space "
                           "or choose another folder.")
    if exc.errno in _DENIED:
        return ExportError(f"cannot write {out.name}: the folder {folder} is read-only or you may not write "
                           "there; choose another folder")
    if exc.errno == errno.ENOENT and not folder.exists():
        return ExportError(f"cannot write {out.name}: the folder {folder} does not exist and cannot be made; "
                           "choose another folder")
    if exc.errno == errno.ENOTDIR or (exc.errno == errno.EEXIST and not folder.is_dir()):
        return ExportError(f"cannot write {out.name}: {folder} is not a folder")
    if exc.errno == errno.EISDIR:
        return ExportError(f"cannot write {out}: a folder of that name exists there")
    return ExportError(f"cannot write {out.name} in {folder}: {exc.strerror or exc}")


@contextmanager
def atomic_path(out: Path, suffix: str = "", scratch: Path | None = None) -> Iterator[Path]:
    """A temporary path beside ``out`` for the block to write; renamed to ``out`` when the block succeeds,
    removed otherwise. OS errors are raised as `ExportError` (see the module docstring); ``scratch`` names
    another folder the block writes to (a full disk there is reported too)."""
    out = Path(out)
    if not out.parent.is_dir():  # a new folder is made (as the old exports did); one that cannot be is named
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _explain(exc, out) from None
    if out.is_dir():
        raise _explain(OSError(errno.EISDIR, "is a folder"), out)
    remove_stale_temps(out)
    tmp = _temp_name(out, suffix)
    try:
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    except OSError as exc:
        raise _explain(exc, out) from None
    try:
        yield tmp
        os.replace(tmp, out)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        os_error = _os_error(exc)
        if os_error is not None:
            raise _explain(os_error, out, scratch) from None
        raise
