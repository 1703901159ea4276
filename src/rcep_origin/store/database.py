"""The database: SQLite in a file by default (no server), PostgreSQL in production.

``Database(url)`` owns the engine and hands out sessions; ``upgrade()`` runs the Alembic
migrations shipped in the package. SQLite gets WAL, foreign keys and a busy timeout, so the
service and a CLI can share a file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///rcep-origin.db"


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def normalise_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 here (SQLAlchemy's default driver would be psycopg2)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


class Database:
    def __init__(self, url: str = DEFAULT_URL, **engine_options: Any):
        self.url = normalise_url(url)
        options: dict[str, Any] = {"pool_pre_ping": True, **engine_options}
        if self.url.startswith("sqlite"):
            options.setdefault("connect_args", {"check_same_thread": False, "timeout": 5})
        self.engine: Engine = create_engine(self.url, **options)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back on any exception."""
        with self._sessions() as session, session.begin():
            yield session

    def upgrade(self) -> None:
        config = Config()
        config.set_main_option(
            "script_location", str(resources.files("rcep_origin.store").joinpath("migrations"))
        )
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def dispose(self) -> None:
        self.engine.dispose()
