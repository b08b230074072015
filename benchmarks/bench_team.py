"""Eight members screening one PostgreSQL review at once, each in their own process with their own login.

    METASIFT_TEST_PG_URL=postgresql://postgres@127.0.0.1:5432/postgres python benchmarks/bench_team.py
    python benchmarks/bench_team.py --members 8 --decisions 1000     # the defaults

The administrator creates a review of ``members * decisions / 2`` records, a lead adds the members (each a
new login), and every record is allocated to two of them, balanced (``team assign --per-record 2``). Then
every member's process screens its queue through MetaSift (`screening.decisions.decide`, row-level security
on), timing each decision; on every tenth record it first reads the record's history and counts any other
member's vote it could see before its own (a blind-mode leak). The baseline is what the same login pays for
a bare ``INSERT`` of the same row into a table of its own (no MetaSift, no row-level security), timed in the
same process: the ratio says what MetaSift's checks and the server's policies cost per decision.

At the end the administrator checks that the decision table holds exactly one row per (member, record)
assigned, every uid a worker reported is there, and nothing else is.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TA = "title_abstract"


def _url(admin: str, db: str, user: str | None = None) -> str:
    scheme, rest = admin.split("://", 1)
    creds, host = rest.split("@", 1)
    host = host.rsplit("/", 1)[0]
    return f"{scheme}://{user or creds}@{host}/{db}"


def _worker(url: str, name: str, out: mp.Queue) -> None:  # noqa: D103 - runs in its own process
    from sqlmodel import select

    from db.engine import open_review
    from db.models import Assignment, Member
    from screening import decisions

    db = open_review(url)
    with db.session() as s:
        me = s.exec(select(Member).where(Member.identity == name)).one()
        todo = list(s.exec(select(Assignment.record_id).where(Assignment.member_id == me.id)
                           .order_by(Assignment.id)))
    times, uids, leaks = [], [], 0
    for i, rid in enumerate(todo):
        if i % 10 == 0:
            leaks += sum(1 for r in decisions.history(db, rid) if r.reviewer != name)
        t = time.perf_counter()
        row = decisions.decide(db, rid, None, TA, "include" if (rid + i) % 3 else "exclude")
        times.append(time.perf_counter() - t)
        uids.append(row.uid)
    with db.engine.connect() as conn:  # the baseline: a bare INSERT of the same shape, same login
        from sqlalchemy import text

        conn.execute(text("CREATE TEMP TABLE bare (LIKE screening_decision INCLUDING DEFAULTS)"))
        bare = []
        for rid in todo[:200]:
            t = time.perf_counter()
            conn.execute(text("INSERT INTO bare (id, uid, record_id, stage, reviewer, kind, verdict, reason, note, "
                              "full_text, method) VALUES (:i, :u, :r, :s, :w, 'decision', 'include', '', '', '', "
                              "'')"), {"i": rid, "u": uuid.uuid4().hex, "r": rid, "s": TA, "w": name})
            conn.commit()
            bare.append(time.perf_counter() - t)
    db.close()
    out.put({"name": name, "times": times, "bare": bare, "uids": uids, "leaks": leaks})


def p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=100)[94] if len(xs) >= 2 else (xs[0] if xs else 0.0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--members", type=int, default=8)
    ap.add_argument("--decisions", type=int, default=1000, help="per member")
    ap.add_argument("--admin", default=os.environ.get("METASIFT_TEST_PG_URL", ""))
    args = ap.parse_args()
    if not args.admin:
        print("set METASIFT_TEST_PG_URL (or --admin) to a PostgreSQL admin URL", file=sys.stderr)
        return 2
    import psycopg

    from db.engine import create_review
    from db.models import ImportBatch, Record
    from screening import team

    tag = "i14b" + uuid.uuid4().hex[:6]
    names = [f"m{i}" for i in range(args.members)]
    logins = {n: f"{tag}_{n}" for n in names + ["lead"]}
    n_records = args.members * args.decisions // 2
    with psycopg.connect(args.admin, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{tag}"')
    url = _url(args.admin, tag)
    try:
        db = create_review(url, title="Team benchmark")
        with db.transaction() as s:
            b = ImportBatch(file_name="bench.ris", sha256=tag, format="ris", source_db="bench",
                            record_count=n_records)
            s.add(b)
            s.flush()
            s.add_all([Record(batch_id=b.id, ordinal=i, source_id=f"B{i}", title=f"Study {i}")
                       for i in range(n_records)])
        with db.session() as s:
            from sqlmodel import select

            ids = [int(i) for i in s.exec(select(Record.id).order_by(Record.id))]
        team.add(db, "Lead", "Lead", ["lead"], login=logins["lead"], create_login=True)
        for n in names:
            team.add(db, "lead", n, ["screener"], login=logins[n], create_login=True)
        team.assign(db, "lead", names, TA, ids, per_record=2, batch="bench")
        db.close()
        out: mp.Queue = mp.get_context("spawn").Queue()
        procs = [mp.get_context("spawn").Process(target=_worker, args=(_url(args.admin, tag, logins[n]), n, out))
                 for n in names]
        t0 = time.perf_counter()
        for p in procs:
            p.start()
        results = [out.get(timeout=1800) for _ in procs]
        wall = time.perf_counter() - t0
        for p in procs:
            p.join()
        with psycopg.connect(url) as c:
            stored = c.execute("SELECT count(*), count(DISTINCT (member_id, record_id)), count(DISTINCT uid) "
                               "FROM screening_decision").fetchone()
            assigned = c.execute("SELECT count(*) FROM assignment").fetchone()[0]
            uids = {u for (u,) in c.execute("SELECT uid FROM screening_decision")}
        reported = [u for r in results for u in r["uids"]]
        times = [t for r in results for t in r["times"]]
        bare = [t for r in results for t in r["bare"]]
        summary = {
            "members": args.members, "decisions_per_member": args.decisions, "records": n_records,
            "wall_s": round(wall, 1), "decisions": len(times), "stored_rows": stored[0],
            "distinct_member_record": stored[1], "assigned": assigned,
            "lost": len(set(reported) - uids), "unexpected": len(uids - set(reported)),
            "duplicated": stored[0] - stored[1], "blind_leaks": sum(r["leaks"] for r in results),
            "median_ms": round(1000 * statistics.median(times), 1), "p95_ms": round(1000 * p95(times), 1),
            "bare_insert_median_ms": round(1000 * statistics.median(bare), 2),
            "bare_insert_p95_ms": round(1000 * p95(bare), 2),
        }
        summary["p95_ratio_vs_bare_insert"] = round(summary["p95_ms"] / max(summary["bare_insert_p95_ms"], 1e-3), 1)
        print(json.dumps(summary, indent=2))
        ok = (summary["lost"] == summary["unexpected"] == summary["duplicated"] == summary["blind_leaks"] == 0
              and stored[0] == assigned)
        return 0 if ok else 1
    finally:
        admin = args.admin
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{tag}" WITH (FORCE)')
            for role in [*logins.values(), f"{tag}_team", f"{tag}_leads"]:
                c.execute(f'DROP ROLE IF EXISTS "{role}"')


if __name__ == "__main__":
    sys.exit(main())
