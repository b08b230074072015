"""duplicate decisions and shared-sample links (append-only logs)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('duplicate_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_a', sa.Integer(), nullable=False),
    sa.Column('record_b', sa.Integer(), nullable=False),
    sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('who', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('run_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['record_a'], ['record.id'], ),
    sa.ForeignKeyConstraint(['record_b'], ['record.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('duplicate_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duplicate_decision_decision'), ['decision'], unique=False)
        batch_op.create_index('ix_duplicate_decision_pair', ['record_a', 'record_b', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_duplicate_decision_record_b'), ['record_b'], unique=False)

    op.create_table('sample_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_a', sa.Integer(), nullable=False),
    sa.Column('record_b', sa.Integer(), nullable=False),
    sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('strength', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('who', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['record_a'], ['record.id'], ),
    sa.ForeignKeyConstraint(['record_b'], ['record.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('sample_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sample_link_decision'), ['decision'], unique=False)
        batch_op.create_index('ix_sample_link_pair', ['record_a', 'record_b', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sample_link_record_b'), ['record_b'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('sample_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sample_link_record_b'))
        batch_op.drop_index('ix_sample_link_pair')
        batch_op.drop_index(batch_op.f('ix_sample_link_decision'))

    op.drop_table('sample_link')
    with op.batch_alter_table('duplicate_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duplicate_decision_record_b'))
        batch_op.drop_index('ix_duplicate_decision_pair')
        batch_op.drop_index(batch_op.f('ix_duplicate_decision_decision'))

    op.drop_table('duplicate_decision')
