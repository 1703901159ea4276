"""one issuing authority: registered identities, register digests, status lists that grow

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(sa.Column("address", sa.String(length=600), nullable=True))
        batch.add_column(sa.Column("identifier", sa.String(length=100), nullable=True))
    with op.batch_alter_table("certificates") as batch:
        batch.add_column(sa.Column("content_sha256", sa.String(length=64), nullable=True))
    with op.batch_alter_table("status_lists") as batch:
        batch.add_column(sa.Column("purpose", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("number", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("capacity", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("allocated", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("secret", sa.LargeBinary(), nullable=True))
        batch.create_index(batch.f("ix_status_lists_purpose"), ["purpose"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("status_lists") as batch:
        batch.drop_index(batch.f("ix_status_lists_purpose"))
        for column in ("secret", "allocated", "capacity", "number", "purpose"):
            batch.drop_column(column)
    with op.batch_alter_table("certificates") as batch:
        batch.drop_column("content_sha256")
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("identifier")
        batch.drop_column("address")
