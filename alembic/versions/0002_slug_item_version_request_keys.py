"""slug, item version, request keys

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 02:55:43.334078

Workshop pages move to addresses that cannot be counted (a random slug per workshop); notes get a
version for edits that must not overwrite each other; phones' repeated requests land once.
"""
import secrets
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401 - autogenerate renders sqlmodel types


# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('requestkey',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('participant_id', 'key', name='uq_request_key')
    )
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))

    # Existing workshops get a slug too (their old /w/<id>/ links stop working, on purpose).
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slug', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True))
    conn = op.get_bind()
    for (workshop_id,) in conn.execute(sa.text("select id from workshop")).all():
        conn.execute(
            sa.text("update workshop set slug = :slug where id = :id"),
            {"slug": secrets.token_urlsafe(12), "id": workshop_id},
        )
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.alter_column('slug', existing_type=sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False)
        batch_op.create_index('ux_workshop_slug', ['slug'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.drop_index('ux_workshop_slug')
        batch_op.drop_column('slug')

    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_column('version')

    op.drop_table('requestkey')
