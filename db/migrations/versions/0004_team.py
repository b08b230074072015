"""the team: members with roles, team events, assignments; decisions and coded values refer to members

Existing reviews keep every row. Their distinct reviewer and coder names become members (names that are
one identity once normalised, e.g. "Ann" and "ann", become one member; the spelling each row had is kept
in the ``migrated`` team event). The lead is chosen at migration: the person who resolved the first
conflict, else the one who made the first decision. On PostgreSQL the server's privileges and row-level
security are installed (`db.pg_security`).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

from db.identity import lenient_identity


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('identity', sa.Text(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('roles', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('login', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('identity')
    )
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_login'), ['login'], unique=False)

    op.create_table('team_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('stage', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('who', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('team_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_event_kind'), ['kind'], unique=False)

    op.create_table('assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('stage', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('batch', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('assigned_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.ForeignKeyConstraint(['record_id'], ['record.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('record_id', 'stage', 'member_id', name='uq_assignment_record_stage_member')
    )
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.create_index('ix_assignment_member_stage', ['member_id', 'stage'], unique=False)

    with op.batch_alter_table('screening_decision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('member_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_screening_decision_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_screening_decision_undoes'), ['undoes'], unique=False)
        batch_op.create_foreign_key('fk_screening_decision_member_id_member', 'member', ['member_id'], ['id'])

    with op.batch_alter_table('effect_size', schema=None) as batch_op:
        batch_op.add_column(sa.Column('member_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_effect_size_member_id'), ['member_id'], unique=False)
        batch_op.create_foreign_key('fk_effect_size_member_id_member', 'member', ['member_id'], ['id'])

    _roster_from_names(op.get_bind())
    if op.get_bind().dialect.name == "postgresql":
        from db import pg_security

        pg_security.install(op.get_bind())


def _parts(reviewer: str, kind: str, method: str) -> list[str]:
    """The people a stored name stands for: a consensus resolution's "ann+bob" is two."""
    return reviewer.split("+") if kind == "resolution" and method == "consensus" else [reviewer]


def _roster_from_names(conn) -> None:  # noqa: ANN001 - Alembic's connection
    rows = conn.execute(sa.text(
        "SELECT id, reviewer, kind, method FROM screening_decision ORDER BY id")).fetchall()
    coded = conn.execute(sa.text("SELECT id, coder FROM effect_size ORDER BY id")).fetchall()
    order: dict[str, str] = {}  # identity -> first spelling seen
    renamed: dict[str, str] = {}
    first_resolver = first_decider = None
    for _id, reviewer, kind, method in rows:
        for part in _parts(reviewer, kind, method):
            ident = lenient_identity(part) or "(unnamed)"
            order.setdefault(ident, part.strip() or ident)
            if part != ident:
                renamed[part] = ident
            if kind == "resolution" and first_resolver is None:
                first_resolver = ident
            if kind == "decision" and first_decider is None:
                first_decider = ident
    for _id, coder in coded:
        ident = lenient_identity(coder) or "(unnamed)"
        order.setdefault(ident, coder.strip() or ident)
        if coder != ident:
            renamed[coder] = ident
    if not order:
        return
    lead = first_resolver or first_decider or next(iter(order))
    ids: dict[str, int] = {}
    for ident, spelling in order.items():
        roles = "lead,screener,coder" if ident == lead else "screener,coder"
        conn.execute(sa.text("INSERT INTO member (identity, name, roles, login, active, added_at) "
                             "VALUES (:i, :n, :r, '', :a, CURRENT_TIMESTAMP)"),
                     {"i": ident, "n": spelling, "r": roles, "a": True})
        ids[ident] = conn.execute(sa.text("SELECT id FROM member WHERE identity = :i"), {"i": ident}).scalar_one()
    for row_id, reviewer, kind, method in rows:
        idents = [lenient_identity(p) or "(unnamed)" for p in _parts(reviewer, kind, method)]
        conn.execute(sa.text("UPDATE screening_decision SET reviewer = :r, member_id = :m WHERE id = :id"),
                     {"r": "+".join(idents), "m": ids[idents[0]], "id": row_id})
    for row_id, coder in coded:
        ident = lenient_identity(coder) or "(unnamed)"
        conn.execute(sa.text("UPDATE effect_size SET coder = :c, member_id = :m WHERE id = :id"),
                     {"c": ident, "m": ids[ident], "id": row_id})
    detail = sa.bindparam("detail", type_=sa.JSON())
    conn.execute(sa.text("INSERT INTO team_event (kind, member_id, stage, detail, who, at) "
                         "VALUES ('migrated', :m, '', :detail, '', CURRENT_TIMESTAMP)").bindparams(detail),
                 {"m": ids[lead], "detail": {"lead": lead, "members": list(order), "renamed": renamed,
                                             "note": "the roster was made from the names stored before 0004; "
                                                     "the lead was chosen as the first to resolve a conflict "
                                                     "(else the first to decide)"}})


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        from db import pg_security

        pg_security.uninstall(op.get_bind())
    with op.batch_alter_table('effect_size', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_effect_size_member_id'))
        batch_op.drop_column('member_id')
    with op.batch_alter_table('screening_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_screening_decision_undoes'))
        batch_op.drop_index(batch_op.f('ix_screening_decision_member_id'))
        batch_op.drop_column('member_id')
    op.drop_table('assignment')
    op.drop_table('team_event')
    op.drop_table('member')
