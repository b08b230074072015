"""full texts: PDFs stored in the review (content-addressed by sha256), the attach/detach log of records, and
the provenance of coded effects (found in a PDF's page, or typed)

Existing reviews keep every row; the two new tables start empty. On PostgreSQL the server's privileges are
refreshed (`db.pg_security`): every member may store and attach PDFs, as themselves, and nobody changes or
deletes an attachment row (detaching adds one).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pdf_blob',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.Text(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('page_text', sa.JSON(), nullable=False),
    sa.Column('meta', sa.JSON(), nullable=False),
    sa.Column('added_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sha256')
    )
    op.create_table('pdf_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('pdf_id', sa.Integer(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('how', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('who', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.ForeignKeyConstraint(['pdf_id'], ['pdf_blob.id'], ),
    sa.ForeignKeyConstraint(['record_id'], ['record.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('pdf_attachment', schema=None) as batch_op:
        batch_op.create_index('ix_pdf_attachment_record', ['record_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pdf_attachment_pdf_id'), ['pdf_id'], unique=False)
    with op.batch_alter_table('effect_size', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provenance', sa.JSON(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        from db import pg_security

        pg_security.install(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table('effect_size', schema=None) as batch_op:
        batch_op.drop_column('provenance')
    with op.batch_alter_table('pdf_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pdf_attachment_pdf_id'))
        batch_op.drop_index('ix_pdf_attachment_record')
    op.drop_table('pdf_attachment')
    op.drop_table('pdf_blob')
