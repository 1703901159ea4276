"""Alembic environment: migrations run from the package (``rcep-origin db upgrade`` and at
service start-up), against the URL the caller configured."""

from __future__ import annotations

from alembic import context

from rcep_origin.store.schema import Base

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("rcep-origin runs its migrations with a connection (store.database)")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
