"""evidence log: RFC 9162 Merkle log (entries, nodes, checkpoints), supplier declarations

Revision ID: 0005
Revises: 0004

Certificates issued before the log existed are logged here, in the order they were issued, each
as a certificate leaf stamped with the time of this migration (when the log took it): a register
that verifies against the log keeps recognising them.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ledger_entries",
        sa.Column("leaf_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("leaf", sa.LargeBinary(), nullable=False),
        sa.Column("leaf_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.Column("owner", sa.String(length=64), nullable=True),
        sa.Column("created", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("leaf_index", name=op.f("pk_ledger_entries")),
    )
    for column in ("leaf_hash", "sha256", "subject", "owner"):
        op.create_index(
            op.f(f"ix_ledger_entries_{column}"), "ledger_entries", [column], unique=False
        )
    op.create_table(
        "ledger_nodes",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("position", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("level", "position", name=op.f("pk_ledger_nodes")),
    )
    op.create_table(
        "ledger_checkpoints",
        sa.Column("tree_size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.String(length=64), nullable=False),
        sa.Column("at", _TIME, nullable=False),
        sa.Column("key_id", sa.String(length=300), nullable=False),
        sa.Column("signature", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("tree_size", name=op.f("pk_ledger_checkpoints")),
    )
    op.create_table(
        "supplier_keys",
        sa.Column("did", sa.String(length=200), nullable=False),
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("created", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_supplier_keys_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("did", name=op.f("pk_supplier_keys")),
    )
    op.create_index(op.f("ix_supplier_keys_organisation_id"), "supplier_keys", ["organisation_id"])
    op.create_table(
        "supplier_status_lists",
        sa.Column("list_id", sa.String(length=64), nullable=False),
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("issuer", sa.String(length=200), nullable=False),
        sa.Column("credential", sa.JSON(), nullable=False),
        sa.Column("bits", sa.LargeBinary(), nullable=False),
        sa.Column("updated", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_supplier_status_lists_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("list_id", name=op.f("pk_supplier_status_lists")),
    )
    op.create_index(
        op.f("ix_supplier_status_lists_organisation_id"),
        "supplier_status_lists",
        ["organisation_id"],
    )
    op.create_table(
        "supplier_credentials",
        sa.Column("credential_id", sa.String(length=200), nullable=False),
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("issuer", sa.String(length=200), nullable=False),
        sa.Column("list_id", sa.String(length=64), nullable=False),
        sa.Column("status_index", sa.Integer(), nullable=False),
        sa.Column("credential", sa.JSON(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("valid_from", _TIME, nullable=False),
        sa.Column("valid_until", _TIME, nullable=False),
        sa.Column("leaf_index", sa.BigInteger(), nullable=False),
        sa.Column("created", _TIME, nullable=False),
        sa.Column("revoked", _TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_supplier_credentials_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("credential_id", name=op.f("pk_supplier_credentials")),
        sa.UniqueConstraint(
            "list_id", "status_index", name=op.f("uq_supplier_credentials_list_id")
        ),
    )
    op.create_index(
        op.f("ix_supplier_credentials_organisation_id"),
        "supplier_credentials",
        ["organisation_id"],
    )
    op.create_table(
        "supplier_reliances",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("credential_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("declaration_id", sa.String(length=64), nullable=True),
        sa.Column("declaration_version", sa.Integer(), nullable=True),
        sa.Column("material", sa.String(length=200), nullable=False),
        sa.Column("created", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_reliances")),
    )
    op.create_index(
        op.f("ix_supplier_reliances_credential_id"), "supplier_reliances", ["credential_id"]
    )
    op.create_index(op.f("ix_supplier_reliances_subject"), "supplier_reliances", ["subject"])
    _log_issued_certificates()


def _log_issued_certificates() -> None:
    # Imported here: only this data step needs them, and they describe the tables as they are.
    from sqlalchemy.orm import Session

    from rcep_origin.store.ledger import log_certificates

    session = Session(bind=op.get_bind())
    log_certificates(session, datetime.now(UTC))
    session.flush()


def downgrade() -> None:
    for table in (
        "supplier_reliances",
        "supplier_credentials",
        "supplier_status_lists",
        "supplier_keys",
        "ledger_checkpoints",
        "ledger_nodes",
        "ledger_entries",
    ):
        op.drop_table(table)
