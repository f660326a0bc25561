"""action plan, organizations, privacy, audit, attempts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 03:21:09.806342

One migration for round two's schema, so the work on it builds on one base: Brå's action-plan
fields and follow-up workshops, organizations and retention, held notes, the audit (also each
action's history), stable note numbers, and rate-limit counters shared by every worker.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401 - autogenerate renders sqlmodel types


# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.create_index('ix_attempt_scope_key_at', ['scope', 'key', 'at'], unique=False)

    op.create_table('audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('field', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('before', sa.Text(), nullable=True),
    sa.Column('after', sa.Text(), nullable=True),
    sa.Column('via', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_item_id'), ['item_id'], unique=False)
        batch_op.create_index('ix_audit_workshop_at', ['workshop_id', 'at'], unique=False)

    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('held', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('goal', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('indicator', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('follow_up', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=True))
        batch_op.add_column(sa.Column('follow_up_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('owner_contact', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column('carried_from_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('review', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True))
        batch_op.create_foreign_key('fk_item_carried_from', 'item', ['carried_from_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organizations', sqlmodel.sql.sqltypes.AutoString(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('follows_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('erase_notes_after_days', sa.Integer(), server_default='365', nullable=False))
        batch_op.add_column(sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('notes_erased_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key('fk_workshop_follows', 'workshop', ['follows_id'], ['id'], ondelete='SET NULL')

    # Notes that exist already get their numbers in the order they were written.
    op.execute(
        "update item set number = (select count(*) from item as earlier"
        " where earlier.workshop_id = item.workshop_id and earlier.kind = item.kind"
        " and earlier.id <= item.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.drop_constraint('fk_workshop_follows', type_='foreignkey')
        batch_op.drop_column('notes_erased_at')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('erase_notes_after_days')
        batch_op.drop_column('follows_id')
        batch_op.drop_column('organizations')

    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_constraint('fk_item_carried_from', type_='foreignkey')
        batch_op.drop_column('review')
        batch_op.drop_column('carried_from_id')
        batch_op.drop_column('owner_contact')
        batch_op.drop_column('follow_up_note')
        batch_op.drop_column('follow_up')
        batch_op.drop_column('indicator')
        batch_op.drop_column('goal')
        batch_op.drop_column('held')
        batch_op.drop_column('number')

    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_workshop_at')
        batch_op.drop_index(batch_op.f('ix_audit_item_id'))

    op.drop_table('audit')
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_attempt_scope_key_at')

    op.drop_table('attempt')
