"""e-CO exchange: trust list, peers, transactional outbox, inbox, notices, peer status lists

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "exchange_trusted_issuers",
        sa.Column("did", sa.String(length=300), nullable=False),
        sa.Column("party", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("jwks", sa.JSON(), nullable=True),
        sa.Column("document_sha256", sa.String(length=64), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
        sa.Column("created", _AT, nullable=False),
        sa.Column("updated", _AT, nullable=False),
        sa.PrimaryKeyConstraint("did", name=op.f("pk_exchange_trusted_issuers")),
    )
    with op.batch_alter_table("exchange_trusted_issuers") as batch:
        batch.create_index(batch.f("ix_exchange_trusted_issuers_party"), ["party"], unique=False)

    op.create_table(
        "exchange_peers",
        sa.Column("party", sa.String(length=2), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("form", sa.String(length=10), nullable=False),
        sa.Column("receiver", sa.String(length=300), nullable=False),
        sa.Column("receiver_document", sa.JSON(), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
        sa.Column("created", _AT, nullable=False),
        sa.Column("updated", _AT, nullable=False),
        sa.PrimaryKeyConstraint("party", name=op.f("pk_exchange_peers")),
    )

    op.create_table(
        "exchange_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("party", sa.String(length=2), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("payload_sha256", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt", _AT, nullable=False),
        sa.Column("lease_until", _AT, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("receipt", sa.JSON(), nullable=True),
        sa.Column("created", _AT, nullable=False),
        sa.Column("delivered", _AT, nullable=True),
        sa.Column("acknowledged", _AT, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_outbox")),
        sa.UniqueConstraint(
            "party", "number", "event", "payload_sha256", name=op.f("uq_exchange_outbox_party")
        ),
    )
    with op.batch_alter_table("exchange_outbox") as batch:
        batch.create_index(batch.f("ix_exchange_outbox_number"), ["number"], unique=False)
        batch.create_index(batch.f("ix_exchange_outbox_state"), ["state"], unique=False)
        batch.create_index(
            batch.f("ix_exchange_outbox_next_attempt"), ["next_attempt"], unique=False
        )

    op.create_table(
        "exchange_inbox",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("sender", sa.String(length=64), nullable=False),
        sa.Column("sender_party", sa.String(length=2), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("form", sa.String(length=10), nullable=False),
        sa.Column("document", sa.LargeBinary(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=True),
        sa.Column("issuer", sa.String(length=300), nullable=True),
        sa.Column("exporting_party", sa.String(length=2), nullable=True),
        sa.Column("importing_party", sa.String(length=2), nullable=True),
        sa.Column("importer_name", sa.String(length=300), nullable=True),
        sa.Column("importer_identifier", sa.String(length=100), nullable=True),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("checks", sa.JSON(), nullable=False),
        sa.Column("classification", sa.JSON(), nullable=True),
        sa.Column("hs_chapters", sa.String(length=400), nullable=False),
        sa.Column("appendix_flagged", sa.Boolean(), nullable=False),
        sa.Column("rvc", sa.Boolean(), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("receipt", sa.JSON(), nullable=False),
        sa.Column("received", _AT, nullable=False),
        sa.Column("updated", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_inbox")),
        sa.UniqueConstraint("sender", "number", "sha256", name=op.f("uq_exchange_inbox_sender")),
    )
    with op.batch_alter_table("exchange_inbox") as batch:
        batch.create_index(batch.f("ix_exchange_inbox_sender"), ["sender"], unique=False)
        batch.create_index(batch.f("ix_exchange_inbox_number"), ["number"], unique=False)
        batch.create_index(batch.f("ix_exchange_inbox_sha256"), ["sha256"], unique=False)
        batch.create_index(
            batch.f("ix_exchange_inbox_exporting_party"), ["exporting_party"], unique=False
        )
        batch.create_index(batch.f("ix_exchange_inbox_verdict"), ["verdict"], unique=False)

    op.create_table(
        "exchange_notices",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("sender", sa.String(length=64), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        sa.Column("notice", sa.JSON(), nullable=False),
        sa.Column("receipt", sa.JSON(), nullable=False),
        sa.Column("received", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_notices")),
        sa.UniqueConstraint("sender", "number", "sha256", name=op.f("uq_exchange_notices_sender")),
    )
    with op.batch_alter_table("exchange_notices") as batch:
        batch.create_index(batch.f("ix_exchange_notices_number"), ["number"], unique=False)

    op.create_table(
        "exchange_status_lists",
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("issuer", sa.String(length=300), nullable=False),
        sa.Column("valid_from", sa.String(length=40), nullable=False),
        sa.Column("credential", sa.JSON(), nullable=False),
        sa.Column("updated", _AT, nullable=False),
        sa.PrimaryKeyConstraint("url", name=op.f("pk_exchange_status_lists")),
    )


def downgrade() -> None:
    op.drop_table("exchange_status_lists")
    with op.batch_alter_table("exchange_notices") as batch:
        batch.drop_index(batch.f("ix_exchange_notices_number"))
    op.drop_table("exchange_notices")
    with op.batch_alter_table("exchange_inbox") as batch:
        for column in ("verdict", "exporting_party", "sha256", "number", "sender"):
            batch.drop_index(batch.f(f"ix_exchange_inbox_{column}"))
    op.drop_table("exchange_inbox")
    with op.batch_alter_table("exchange_outbox") as batch:
        for column in ("next_attempt", "state", "number"):
            batch.drop_index(batch.f(f"ix_exchange_outbox_{column}"))
    op.drop_table("exchange_outbox")
    op.drop_table("exchange_peers")
    with op.batch_alter_table("exchange_trusted_issuers") as batch:
        batch.drop_index(batch.f("ix_exchange_trusted_issuers_party"))
    op.drop_table("exchange_trusted_issuers")
