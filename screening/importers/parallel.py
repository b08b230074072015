"""Parse one large line-tagged export (RIS, MEDLINE, Web of Science) in several processes.

Pure-Python parsing is the import's bottleneck: one core parses while SQLite waits. For a file of
at least `MIN_BYTES`, the file is cut into byte ranges at record boundaries (right after an ``ER`` line,
or at a blank line before a ``PMID-`` line), each range is read, decoded and parsed by a worker process
(spawned, so it is safe beside Qt's threads), and the encoded rows come back in file order. The result is
the same rows as the sequential reader (a test compares them).
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from db.errors import InputError
from screening.importers.base import SourceFile

MIN_BYTES = 16 << 20  # below this, starting worker processes costs more than it saves
TARGET_CHUNK = 8 << 20

# format name -> where a chunk may start: right after the regex's match (after an ER line; at the PMID line
# after a blank line). The importer's module provides `rows_from_lines(lines, first_line)`.
_BOUNDARY = {
    "ris": rb"\nER  -[^\n]*\n",
    "medline": rb"\n\r?\n(?=PMID- )",
    "wos": rb"\nER[ \t\r]*\n",
}


@dataclass(frozen=True)
class Chunk:
    module: str
    path: str
    start: int
    end: int
    encoding: str
    first_line: int
    last: bool = False  # the file's last chunk (where a cut-short record can be)


def worker_count() -> int:
    """Worker processes to use: ``METASIFT_IMPORT_WORKERS`` (0 or 1 = parse in this process), else the
    number of CPUs."""
    env = os.environ.get("METASIFT_IMPORT_WORKERS", "").strip()
    if env.isdigit():
        return int(env)
    return os.cpu_count() or 1


def supports(source: SourceFile, importer: Any) -> bool:
    """True when ``source`` is a large file on disk in a format that can be cut into chunks."""
    return (importer.name in _BOUNDARY and source._data is None and source._text is None
            and source.size >= MIN_BYTES and worker_count() > 1)


def _line_starts(fh, cuts: list[int]) -> list[int]:  # noqa: ANN001 - binary file object
    """Line number of the line starting at each byte offset in ``cuts`` (ascending), in one pass over the file
    (LF, CRLF and lone CR all end a line)."""
    out = []
    n, pos, pending_cr = 1, 0, False
    fh.seek(0)
    for cut in cuts:
        while pos < cut:
            block = fh.read(min(1 << 22, cut - pos))
            if not block:
                break
            if pending_cr and block.startswith(b"\n"):
                n -= 1  # the CR of a CRLF pair was counted at the end of the previous block
            n += block.count(b"\n") + block.count(b"\r") - block.count(b"\r\n")
            pending_cr = block.endswith(b"\r")
            pos += len(block)
        out.append(n)
    return out


def plan(source: SourceFile, importer: Any) -> list[Chunk]:
    """Cut the file into byte ranges that each start at a record boundary."""
    encoding = source.stream_encoding()
    size = source.size
    pattern = re.compile(_BOUNDARY[importer.name])
    cuts = [0]
    with source.path.open("rb") as fh:
        target = TARGET_CHUNK
        while target < size:
            fh.seek(target)
            window = fh.read(1 << 20)
            m = pattern.search(window)
            if m is None:
                target += 1 << 20
                continue
            cut = target + m.end()
            if cut > cuts[-1] and cut < size:
                cuts.append(cut)
            target = cut + TARGET_CHUNK
        cuts.append(size)
        module = type(importer).__module__
        starts = _line_starts(fh, cuts[:-1])
        chunks = []
        for i, (a, b) in enumerate(zip(cuts, cuts[1:], strict=False)):
            enc = encoding if i == 0 or encoding != "utf-8-sig" else "utf-8"
            chunks.append(Chunk(module, str(source.path), a, b, enc, starts[i], b == size))
    return chunks


Row = tuple[int | None, str, tuple[Any, ...]]  # (line, source id, encoded columns)


@dataclass(frozen=True)
class ChunkResult:
    """What a worker sends back for one chunk (picklable, so an input error crosses the process boundary
    intact)."""

    rows: list[Row]
    truncated: tuple[int, str] | None = None  # (line, message): the file ends inside its last record
    error: tuple[str, int | None] | None = None  # (message, line) of an input error; no rows then
    empty: tuple[int, ...] = ()  # lines of records that held nothing but their type line (RIS)


def parse_chunk(chunk: Chunk) -> ChunkResult:
    """Worker: read, decode and parse one chunk."""
    from screening.importers.base import encode_columns
    from screening.importers.fields import author_hygiene, field_hygiene

    with Path(chunk.path).open("rb") as fh:
        fh.seek(chunk.start)
        data = fh.read(chunk.end - chunk.start)
    try:
        text = data.decode(chunk.encoding)
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        module = importlib.import_module(chunk.module)
        out: list[Row] = []
        cut: list[int] = []
        empty: list[int] = []
        # the same hooks as the sequential reader's, so that both give the same warnings
        kwargs: dict[str, Any] = {"truncated": cut.append} if chunk.last and hasattr(module, "TRUNCATED") else {}
        if hasattr(module, "report_empty"):
            kwargs["empty"] = empty.append
        for rec in module.rows_from_lines(lines, chunk.first_line, **kwargs):
            author_hygiene(rec)
            field_hygiene(rec)
            out.append((rec.line, rec.source_id, encode_columns(rec)))
        # the file ends inside its last record: the importing process warns
        return ChunkResult(out, (cut[0] + chunk.first_line - 1, module.TRUNCATED) if cut else None,
                           empty=tuple(line + chunk.first_line - 1 for line in empty))
    except InputError as exc:
        return ChunkResult([], error=(exc.detail, exc.line))
    except UnicodeDecodeError as exc:
        return ChunkResult([], error=(f"byte {chunk.start + exc.start} is not valid {chunk.encoding}", None))


def _watch_parent(parent: int) -> None:
    """Worker initializer: end this worker when the importing process is gone (SIGKILLed, it cannot tell
    its workers; they would wait on their call queue forever, and keep multiprocessing's resource tracker
    alive with them). A daemon thread polls the parent id twice a second."""
    import threading
    import time

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(1)
            time.sleep(0.5)

    threading.Thread(target=watch, name="metasift-parent-watch", daemon=True).start()


def parallel_rows(source: SourceFile, importer: Any, workers: int | None = None) -> Iterator[Row]:
    """Rows of a large file, parsed by worker processes, in file order."""
    chunks = plan(source, importer)
    n = max(1, min(workers or worker_count(), len(chunks)))
    empty: list[int] = []
    with ProcessPoolExecutor(max_workers=n, mp_context=get_context("spawn"), initializer=_watch_parent,
                             initargs=(os.getpid(),)) as pool:
        for result in pool.map(parse_chunk, chunks):
            if result.error is not None:
                raise InputError(result.error[0], file=source.name, line=result.error[1])
            if result.truncated is not None:
                source.warn(result.truncated[1], result.truncated[0])
            empty.extend(result.empty)
            yield from result.rows
    report = getattr(importlib.import_module(chunks[0].module), "report_empty", None) if chunks else None
    if report is not None:
        report(source, empty)  # after the last record, where the sequential reader warns too
