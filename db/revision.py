"""The review schema's revision: the newest migration's id, written out so that opening an up-to-date review
(every command) need not load Alembic (~0.5 s) and `metasift status` can check it without SQLAlchemy
(`db.direct`). A test checks it equals Alembic's head; `db.engine` re-exports it. Bump it with every migration.
"""

SCHEMA_REVISION = "0007"
