"""canonical database names as issue 11 lists them: "Web of Science" becomes "Web of Science Core
Collection" and "Cochrane Database of Systematic Reviews" becomes "CDSR"

The database a batch came from is stored in one place, ``import_batch.source_db`` (PRISMA's per-database
counts, the record exports and duplicate detection all read it through the batch). Only the two names
MetaSift itself wrote change; every other value, typed or detected, stays as it is. Each renamed batch
gets an entry in its ``options["database_history"]`` (the same log a person's correction writes), so the
change is visible after the upgrade; downgrade renames back and removes those entries only. The mapping
is written out here, not imported, so that this migration keeps doing what it did when the importers'
table changes later.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

RENAMED = {
    "Web of Science": "Web of Science Core Collection",
    "Cochrane Database of Systematic Reviews": "CDSR",
}
"""old stored name -> the canonical name from 0006 on."""
BY = "migration 0006"

_batch = sa.table("import_batch", sa.column("id", sa.Integer), sa.column("source_db", sa.String),
                  sa.column("options", sa.JSON))


def _rename(mapping: dict[str, str], *, upgrading: bool) -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(_batch.c.id, _batch.c.source_db, _batch.c.options)
                        .where(_batch.c.source_db.in_(list(mapping)))).all()
    for batch_id, old, options in rows:
        options = dict(options or {})
        history = [h for h in options.get("database_history", []) if not (isinstance(h, dict) and h.get("by") == BY)]
        if upgrading:
            history.append({"from": old, "to": mapping[old], "by": BY, "why": "canonical database name"})
        if history:
            options["database_history"] = history
        else:
            options.pop("database_history", None)
        conn.execute(sa.update(_batch).where(_batch.c.id == batch_id)
                     .values(source_db=mapping[old], options=options))


def upgrade() -> None:
    _rename(RENAMED, upgrading=True)


def downgrade() -> None:
    _rename({new: old for old, new in RENAMED.items()}, upgrading=False)
