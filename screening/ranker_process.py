"""The AI ranker in a worker process of its own, for large reviews.

Building the TF-IDF matrix of 100,000 records takes tens of seconds and most of a gigabyte, and while it
runs in a thread it holds the interpreter lock: the screening screen would stutter. `RankerProcess` builds
the `Ranker` in a spawned process that reads the records from the review itself, and answers re-ranking
requests over a pipe; the calling process only waits on the pipe (which releases the lock) and holds no
matrix. The answers are the same as an in-process `Ranker` with the same records (a test checks).
"""

from __future__ import annotations

import os
from multiprocessing import get_context
from multiprocessing.connection import Connection

from db.errors import Cancelled, MetasiftError
from db.progress import ShouldStop, never_stop
from screening.stopping import RemainingEstimate

_CHUNK = 5000


def _serve(conn: Connection, target: str, ids: list[int], seed: int) -> None:
    """Worker: read the records' texts, build the ranker, then answer ("update", labels) until ("close",)."""
    try:
        if hasattr(os, "nice"):
            os.nice(10)  # background work: the screening screen keeps the CPU when both want it
        from sqlmodel import col, select

        from db.engine import open_review
        from db.models import Record
        from screening.prioritise import Ranker, record_text

        db = open_review(target, upgrade=False)
        texts: list[str] = []
        try:
            for k in range(0, len(ids), _CHUNK):
                part = ids[k:k + _CHUNK]
                with db.session() as session:
                    rows = {r[0]: r for r in session.exec(select(Record.id, Record.title, Record.abstract,
                                                                 Record.keywords).where(col(Record.id).in_(part)))}
                texts += [record_text(rows[i][1], rows[i][2], rows[i][3] or []) if i in rows else "" for i in part]
        finally:
            db.close()
        ranker = Ranker(texts, seed=seed)
        del texts
        conn.send(("ready", len(ids)))
        while True:
            msg = conn.recv()
            if msg[0] == "close":
                break
            order = ranker.update(msg[1])
            conn.send(("ranked", order, ranker.estimate_remaining() if msg[1] else RemainingEstimate.no_decisions()))
    except (EOFError, KeyboardInterrupt):
        pass
    except BaseException as exc:  # noqa: BLE001 - reported to the parent as text
        try:
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
        except (OSError, ValueError):
            pass


class RankerProcess:
    """A `Ranker` over ``ids`` of the review at ``target``, living in its own process.

    `wait_ready` blocks until it is built (checking ``should_stop``); `update(labels)` returns the unlabelled
    positions best first, like `Ranker.update`; `estimate_remaining()` returns the estimate of the last
    update. `close()` ends the process (also at garbage collection).
    """

    def __init__(self, target: str, ids: list[int], seed: int = 0) -> None:
        ctx = get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child, str(target), list(ids), seed),
                                 name="metasift-ranker", daemon=True)
        self._proc.start()
        child.close()
        self._estimate = RemainingEstimate.no_decisions()
        self.n_records = len(ids)

    def _receive(self, should_stop: ShouldStop = never_stop) -> tuple:
        while not self._conn.poll(0.2):
            if should_stop():
                self.terminate()
                raise Cancelled("the AI ranking was cancelled")
            if not self._proc.is_alive():
                raise MetasiftError("the AI ranking process ended unexpectedly")
        try:
            msg = self._conn.recv()
        except EOFError as exc:
            raise MetasiftError("the AI ranking process ended unexpectedly") from exc
        if msg[0] == "error":
            raise MetasiftError(f"the AI ranking failed: {msg[1]}")
        return msg

    def wait_ready(self, should_stop: ShouldStop = never_stop) -> None:
        self._receive(should_stop)

    def update(self, labels: dict[int, int]) -> list[int]:
        self._conn.send(("update", {int(k): int(v) for k, v in labels.items()}))
        _, order, estimate = self._receive()
        self._estimate = estimate
        return list(order)

    def estimate_remaining(self) -> RemainingEstimate:
        return self._estimate

    def close(self) -> None:
        """Ask the process to end (it finishes the answer it is writing), then make sure it has."""
        if self._proc.is_alive():
            try:
                self._conn.send(("close",))
            except (OSError, ValueError):
                pass
            self._proc.join(2)
        self.terminate()

    def terminate(self) -> None:
        """End the process at once (a build in progress is abandoned)."""
        if self._proc.is_alive():
            self._proc.terminate()
            self._proc.join(5)
        self._conn.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass
