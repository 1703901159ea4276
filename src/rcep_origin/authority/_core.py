"""The authority's core: its state, its units of work, identity and authorisation. The use
cases are added by the modules above it (``_declarations``, ``_issuance``, ``_authority``), one
concern each, and ``Authority`` is the whole."""

from __future__ import annotations

import getpass
import logging
import secrets
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from rcep_origin.authority._audit import make_checkpoint, publish_head
from rcep_origin.authority._errors import (
    Conflict,
    Forbidden,
    Unauthenticated,
    Unavailable,
)
from rcep_origin.authority._migrate import has_file_register
from rcep_origin.authority._views import (
    Outcome,
    V,
)
from rcep_origin.certificates.issuer import (
    IssuerProfile,
)
from rcep_origin.certificates.keys import VerificationKey
from rcep_origin.certificates.status_list import MIN_ENTRIES
from rcep_origin.certificates.verification import (
    TrustStore,
)
from rcep_origin.errors import InputError
from rcep_origin.rules import RuleSet, builtin_ruleset
from rcep_origin.store import sql
from rcep_origin.store.database import Database
from rcep_origin.store.keystore import FileKeystore, StoreError

EXPORTER, ISSUER, VERIFIER = "exporter", "issuing_body", "verifier"
log = logging.getLogger("rcep_origin.authority")
DATABASE_FILE = "rcep-origin.db"
PUBLISHED = ("did.json", "jwks.json")


def database_url_for(home: Path, database_url: str | None = None) -> str:
    """The issuing body's database: the URL given, else the SQLite file in its home."""
    return database_url or f"sqlite:///{Path(home).resolve() / DATABASE_FILE}"


def operator(party: str) -> sql.Principal:
    """The person at the issuing body's own machine (the CLI): acts as the issuing body."""
    try:
        who = f"{getpass.getuser()}@{socket.gethostname()}"
    except (KeyError, OSError):  # no user name in a container: still say it was the CLI
        who = "unknown"
    return sql.Principal("operator", ISSUER, party, False, f"cli:{who}")


@dataclass(frozen=True)
class Idempotency:
    """A creating call's Idempotency-Key and the digest of what it asked (path and body)."""

    key: str
    request_sha256: str


@dataclass
class _Work:
    """One unit of work: the session and the audit entries to append when it ends."""

    session: Session
    audit: list[tuple[str, str, str, Any]] = field(default_factory=list)

    def record(self, actor: sql.Principal | str, action: str, subject: str, data: Any) -> None:
        name = actor if isinstance(actor, str) else actor.actor
        self.audit.append((name, action, subject, data))


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


# SQLSTATEs (PostgreSQL) of a transaction that lost to a concurrent one: retrying may succeed.
_LOST_RACE = {"40001", "40P01", "55P03", "23505"}
_TIMED_OUT = {"57014"}  # statement timeout


def _translate(exc: DBAPIError) -> Exception:
    """A database error as what it means for the caller."""
    state = getattr(exc.orig, "sqlstate", None)
    message = str(exc.orig)
    if isinstance(exc, IntegrityError) or state in _LOST_RACE or "database is locked" in message:
        return Conflict(
            "A concurrent request changed the same thing; nothing was changed by this one",
            "Retry the request (with the same Idempotency-Key).",
            kind="concurrent-update",
        )
    if isinstance(exc, DataError):
        return InputError(f"a value is out of range or malformed: {message.splitlines()[0]}")
    if state in _TIMED_OUT:
        return Unavailable(
            "The database did not answer in time; nothing was changed",
            "Retry the request (with the same Idempotency-Key).",
            kind="database-timeout",
        )
    return Unavailable(
        "The database is not reachable; nothing was changed",
        "Retry the request (with the same Idempotency-Key).",
    )


class _Core:
    """One issuing body: its register (the database), its keys (the home directory), the rule
    set it decides under, and the issuers it trusts when verifying."""

    def __init__(
        self,
        database: Database,
        keystore: FileKeystore,
        *,
        ruleset: RuleSet | None = None,
        trust_homes: tuple[Path, ...] = (),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        status_capacity: int = MIN_ENTRIES,
    ):
        self.database = database
        self.keystore = keystore
        self.ruleset = ruleset or builtin_ruleset()
        self.trust_homes = trust_homes
        self.clock = clock
        self.status_capacity = status_capacity
        self._trust: tuple[tuple[float, ...], TrustStore] | None = None
        self._published: dict[str, tuple[float, dict[str, Any]]] = {}

    @classmethod
    def open(
        cls,
        home: Path,
        database_url: str | None = None,
        *,
        migrate: bool = True,
        allow_file_register: bool = False,
        database: Database | None = None,
        **options: Any,
    ) -> Self:
        """The authority of the issuing body whose home is ``home`` (its SQLite file there, or
        the database at ``database_url``, or the ``database`` given)."""
        if not allow_file_register and has_file_register(home):
            raise StoreError(
                f"{home} still keeps certificates in files: run 'rcep-origin home migrate "
                f"--home {home}' once, so the CLI and the service share one register"
            )
        database = database or Database(database_url_for(home, database_url))
        if migrate:
            database.upgrade()
        keystore = FileKeystore(home)
        keystore.profile()  # fails early, with a hint, when the issuing body is not set up
        return cls(database, keystore, **options)

    @staticmethod
    def set_up(home: Path, profile: IssuerProfile) -> None:
        """An issuing body's first step: its profile in its home (keys come next)."""
        keystore = FileKeystore(home)
        if (keystore.home / "issuer.json").exists():
            raise Conflict(f"{home} is set up already", kind="already-exists")
        keystore.save_profile(profile)

    @staticmethod
    def is_set_up(home: Path) -> bool:
        return (Path(home) / "issuer.json").exists()

    def signing_keys(self) -> list[VerificationKey]:
        """Every key this issuer ever signed with, with its lifetime."""
        return list(self.keystore.keyring())

    # -- units of work ----------------------------------------------------------------------

    @contextmanager
    def _work(self, *, writes: bool = True) -> Iterator[_Work]:
        checkpoint = None
        try:
            with self.database.session(writes=writes) as session:
                work = _Work(session)
                yield work
                for actor, action, subject, data in work.audit:
                    sql.audit(session, actor, action, subject, data)
                if work.audit:
                    checkpoint = self._checkpoint(session)
            if checkpoint is not None:  # published only once committed
                publish_head(self.keystore.home / "public", checkpoint)
        except (OperationalError, IntegrityError, DataError, DBAPIError) as exc:
            raise _translate(exc) from exc
        except PoolTimeout as exc:
            raise Unavailable(
                "The service is busy: no database connection was free in time",
                "Retry the request (with the same Idempotency-Key).",
            ) from exc

    def _checkpoint(self, session: Session) -> dict[str, Any] | None:
        """Sign the audit chain's new head with the current key. Without one (before the first
        key, or right after the current key was revoked) the next unit of work signs it."""
        try:
            signer = self.keystore.current_signer()
        except StoreError as exc:  # includes a key that cannot be unlocked right now
            log.warning("audit head not signed: %s", exc)
            return None
        return make_checkpoint(session, signer, self.keystore.profile().did, self.clock())

    def _once(
        self,
        work: _Work,
        actor: sql.Principal,
        idempotency: Idempotency | None,
        view_type: type[V],
        produce: Callable[[], V],
        status: int = 201,
    ) -> Outcome[V]:
        """Run a creating use case once per Idempotency-Key: a retry gets the stored answer,
        the same key with another request is a conflict."""
        if idempotency is not None:
            record = sql.idempotent_response(work.session, actor.organisation_id, idempotency.key)
            if record is not None:
                if record.request_sha256 != idempotency.request_sha256:
                    raise Conflict(
                        "This Idempotency-Key was used for another request",
                        kind="idempotency-key-reused",
                    )
                return Outcome[V](
                    view=view_type.model_validate(record.response),
                    status=record.status_code,
                    replayed=True,
                )
        view = produce()
        if idempotency is not None:
            sql.remember_response(
                work.session,
                actor.organisation_id,
                idempotency.key,
                idempotency.request_sha256,
                status,
                view.model_dump(mode="json"),
            )
        return Outcome[V](view=view, status=status)

    # -- identity and authorisation --------------------------------------------------------

    def authenticate(self, token: str | None) -> sql.Principal:
        if not token:
            raise Unauthenticated("An API key is required", "Send 'Authorization: Bearer <key>'.")
        with self._work(writes=False) as work:
            found = sql.authenticate(work.session, token)
        if found is None:
            raise Unauthenticated("The API key is not valid")
        return found

    @staticmethod
    def _require(actor: sql.Principal, *roles: str) -> None:
        if actor.role not in roles:
            raise Forbidden(
                "Not allowed for this role",
                f"requires the role {' or '.join(roles)}; the caller is {actor.role}",
            )

    def _issuing_body(self, actor: sql.Principal) -> None:
        """An issuing body acts only for the Party of the issuer this authority signs for."""
        self._require(actor, ISSUER)
        country = self.keystore.profile().country
        if actor.party != country:
            raise Forbidden(
                "An issuing body acts only for its own Party",
                f"this register is {country}'s; the caller is an issuing body of {actor.party}",
            )


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime_ns / 1e9
    except FileNotFoundError:
        return 0.0


def trust_of_homes(*homes: Path, trust: TrustStore | None = None) -> TrustStore:
    """Trust the issuers whose homes these are: their keys with lifetimes and their XML
    signing certificates. A folder that is no issuer's home is skipped."""
    trust = trust if trust is not None else TrustStore()
    for home in homes:
        try:
            FileKeystore(home).add_to(trust)
        except StoreError:
            continue
    return trust


def migrate_database(home: Path, database_url: str | None = None) -> str:
    """Create or migrate the register's tables; returns the URL it used."""
    url = database_url_for(home, database_url)
    database = Database(url)
    try:
        database.upgrade()
    finally:
        database.dispose()
    return url
