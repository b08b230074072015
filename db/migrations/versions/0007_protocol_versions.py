"""protocol versions: the review's protocol as an append-only list of versions (full TOML text, who, when, what
changed), and the protocol version every new screening decision and coded effect was made under

Existing reviews keep every row: the protocol the review had stored becomes version 1 (by "migration", at the
review's creation time); a review that never stored one (it used the bundled alliance protocol) has no version
until a person saves one. Decisions and effects stored before have no version (NULL). ``review.protocol``
stays, a copy of the current text. On PostgreSQL the server's privileges are refreshed (`db.pg_security`):
every member reads the versions, only leads add one, and nobody changes or deletes one.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('protocol_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('who', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('version')
    )
    with op.batch_alter_table('screening_decision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('protocol_version', sa.Integer(), nullable=True))
    with op.batch_alter_table('effect_size', schema=None) as batch_op:
        batch_op.add_column(sa.Column('protocol_version', sa.Integer(), nullable=True))
    bind = op.get_bind()
    review = bind.execute(sa.text("SELECT protocol, protocol_name, created_at FROM review ORDER BY id LIMIT 1")).first()
    if review is not None and review[0]:
        bind.execute(sa.text("INSERT INTO protocol_version (version, name, text, summary, who, at) "
                             "VALUES (1, :name, :text, :summary, 'migration', :at)"),
                     {"name": review[1] or "", "text": review[0], "at": review[2],
                      "summary": "the protocol the review had stored before protocols were versioned"})
    if bind.dialect.name == "postgresql":
        from db import pg_security

        pg_security.install(bind)


def downgrade() -> None:
    with op.batch_alter_table('effect_size', schema=None) as batch_op:
        batch_op.drop_column('protocol_version')
    with op.batch_alter_table('screening_decision', schema=None) as batch_op:
        batch_op.drop_column('protocol_version')
    op.drop_table('protocol_version')
