"""The database: SQLite in a file by default (no server), PostgreSQL in production.

``Database(url)`` owns the engine and hands out units of work; ``upgrade()`` runs the Alembic
migrations shipped in the package; ``check()`` says whether the schema is the one this code
expects.

Timeouts are set on both databases, so a database that accepts connections but never answers
fails a request instead of hanging it: PostgreSQL gets a connect timeout and statement, lock and
idle-in-transaction timeouts; SQLite a busy timeout. A unit of work that writes starts its
SQLite transaction with ``BEGIN IMMEDIATE``: writers queue for the lock at the start instead of
failing with "database is locked" when a read transaction tries to become a write (WAL mode
does not wait in that case).
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy import exc as exc_module
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///rcep-origin.db"
SQLITE_BUSY_SECONDS = 15  # long enough for a queue of issuances (~20 ms each) to drain
POSTGRES_CONNECT_SECONDS = 5
POSTGRES_STATEMENT_MS = 15_000
POSTGRES_LOCK_MS = 10_000
POSTGRES_IDLE_IN_TRANSACTION_MS = 60_000


def _sqlite_connect(connection: Any, _record: Any) -> None:
    # The driver's own transaction handling is switched off; _sqlite_begin emits BEGIN.
    connection.isolation_level = None
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    immediate = connection.get_execution_options().get("writes", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def normalise_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 here (SQLAlchemy's default driver would be psycopg2)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _postgres_options(extra: str) -> str:
    timeouts = (
        f"-c statement_timeout={POSTGRES_STATEMENT_MS} -c lock_timeout={POSTGRES_LOCK_MS} "
        f"-c idle_in_transaction_session_timeout={POSTGRES_IDLE_IN_TRANSACTION_MS}"
    )
    return f"{timeouts} {extra}".strip()


POSTGRES_CLIENT_DEADLINE_SECONDS = 20.0  # past the server's statement timeout, on our side


class _Deadline:
    """A client-side deadline for PostgreSQL. The server's timeouts only help while the server
    hears us: behind a network path that swallows packets (a black-holing proxy, a dead link
    whose TCP is still "up"), a query waits for ever. Each statement and each checkout ping
    arms a timer; when it fires, the connection's socket is shut down, the blocked call fails
    with an OperationalError (a 503), and the pool discards the connection."""

    def __init__(self, seconds: float):
        self.seconds = seconds

    def install(self, engine: Engine) -> None:
        event.listen(engine, "before_cursor_execute", self._arm)
        event.listen(engine, "after_cursor_execute", self._disarm)
        event.listen(engine, "handle_error", self._disarm_on_error)
        event.listen(engine, "checkout", self._ping)

    def _timer(self, dbapi_connection: Any) -> threading.Timer:
        timer = threading.Timer(self.seconds, _sever, args=(dbapi_connection,))
        timer.daemon = True
        timer.start()
        return timer

    def _arm(self, connection: Connection, *_: Any) -> None:
        dbapi = connection.connection.dbapi_connection
        connection.info["deadline"] = self._timer(dbapi)

    def _disarm(self, connection: Connection, *_: Any) -> None:
        timer = connection.info.pop("deadline", None)
        if timer is not None:
            timer.cancel()

    def _disarm_on_error(self, context: Any) -> None:
        if context.connection is not None:
            self._disarm(context.connection)

    def _ping(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        # SQLAlchemy's pre-ping runs outside statement events; this one runs under the deadline
        # (the recipe from SQLAlchemy's "pessimistic disconnect handling").
        timer = self._timer(dbapi_connection)
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
        except Exception as exc:
            raise exc_module.DisconnectionError(str(exc)) from exc
        finally:
            timer.cancel()


def _sever(dbapi_connection: Any) -> None:
    try:
        descriptor = dbapi_connection.pgconn.socket
        with socket.socket(fileno=os.dup(descriptor)) as dup:
            dup.shutdown(socket.SHUT_RDWR)  # the socket, not the descriptor: the waiter wakes
    except (OSError, AttributeError, ValueError):
        pass  # already closed: nothing waits on it any more


@dataclass(frozen=True)
class SchemaState:
    ok: bool
    reason: str
    revision: str | None = None


class Database:
    def __init__(
        self,
        url: str = DEFAULT_URL,
        *,
        deadline_seconds: float = POSTGRES_CLIENT_DEADLINE_SECONDS,
        **engine_options: Any,
    ):
        self.url = normalise_url(url)
        postgres = self.url.startswith("postgresql")
        options: dict[str, Any] = {
            # PostgreSQL pings under the client deadline instead (_Deadline._ping).
            "pool_pre_ping": not postgres,
            "pool_timeout": 10,
            **engine_options,
        }
        connect_args = dict(options.pop("connect_args", {}))
        if self.url.startswith("sqlite"):
            connect_args.setdefault("check_same_thread", False)
            connect_args.setdefault("timeout", SQLITE_BUSY_SECONDS)
        elif self.url.startswith("postgresql"):
            # Options in the URL (``?options=-csearch_path%3D...``) are kept, after the timeouts
            # (a later -c wins, so a URL or caller may still lower or raise a timeout).
            parsed = make_url(self.url)
            in_url = str(parsed.query.get("options", ""))
            self.url = parsed.difference_update_query(["options"]).render_as_string(
                hide_password=False
            )
            connect_args.setdefault("connect_timeout", POSTGRES_CONNECT_SECONDS)
            connect_args["options"] = _postgres_options(
                f"{in_url} {connect_args.get('options', '')}"
            )
        options["connect_args"] = connect_args
        self.engine: Engine = create_engine(self.url, **options)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_connect)
            event.listen(self.engine, "begin", _sqlite_begin)
        elif self.engine.dialect.name == "postgresql":
            _Deadline(deadline_seconds).install(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self, *, writes: bool = True) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back on any exception.
        ``writes=False`` for a read-only one (it never takes SQLite's write lock)."""
        with self._sessions() as session, session.begin():
            # Procure the connection now, with its options, so its BEGIN says what it is for.
            session.connection(execution_options={"writes": writes})
            yield session

    def _alembic(self) -> Config:
        config = Config()
        config.set_main_option(
            "script_location", str(resources.files("rcep_origin.store").joinpath("migrations"))
        )
        return config

    def upgrade(self) -> None:
        config = self._alembic()
        with self.engine.connect() as connection:
            connection = connection.execution_options(writes=True)
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, "head")

    def check(self) -> SchemaState:
        """Whether the schema is at this code's migration head (``/healthz``, the CLI)."""
        head = ScriptDirectory.from_config(self._alembic()).get_current_head()
        with self.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
        if current is None:
            return SchemaState(False, "the database is not migrated: run 'rcep-origin db upgrade'")
        if current != head:
            return SchemaState(
                False, f"the database schema is at {current}, this code needs {head}"
            )
        return SchemaState(True, f"schema at {head}", head)

    def dispose(self) -> None:
        self.engine.dispose()
