"""The issuing authority: every use case, with its transaction, its authorisation rule and its
audit entry. The CLI and the HTTP routes call these methods and nothing below them.

Each use case is one unit of work on the database (``Database.session``): its state change and
its audit entries commit together or not at all. Audit entries are appended last, so the audit
chain's lock is the last one a transaction takes and is held for the shortest time (taking it
first would let two use cases lock in opposite orders and deadlock).

Who may do what (one rule each, enforced here, tested in tests/test_authority.py):

- an *exporter* submits and reads its own declarations, runs determinations and pre-reviews on
  them, and applies for certificates naming itself -- its registered legal identity, never what
  the application says -- for goods exported from its own Party;
- an *issuing body* acts only for the Party of the issuer this authority signs for: it reads the
  declarations named in applications for goods exported from that Party, decides those
  applications, and revokes, suspends or reinstates only certificates it issued;
- a *verifier* (an importing Party's customs) reads certificates for goods imported into its
  Party;
- the *operator* (the CLI on the issuing body's own machine) acts as the issuing body.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import secrets
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from rcep_origin.authority._errors import (
    Conflict,
    Forbidden,
    NotFound,
    Refused,
    Unauthenticated,
    Unavailable,
)
from rcep_origin.authority._inputs import Application
from rcep_origin.authority._migrate import has_file_register, import_file_register, move_aside
from rcep_origin.authority._views import (
    AuditReport,
    CertificateView,
    DeclarationDocumentView,
    DeclarationVersionView,
    DeclarationView,
    DeterminationRunView,
    MigrationReport,
    Outcome,
    PrereviewRunView,
    RequestView,
    RunView,
    StatusView,
    V,
)
from rcep_origin.certificates.credential import certificate_from_credential
from rcep_origin.certificates.issuance import IssuanceRefused
from rcep_origin.certificates.issuer import (
    IssuedCertificate,
    Issuer,
    IssuerProfile,
    NotIssued,
    StatusUnchanged,
)
from rcep_origin.certificates.keys import VerificationKey
from rcep_origin.certificates.model import Organisation
from rcep_origin.certificates.request import CertificateRequest
from rcep_origin.certificates.status_list import MIN_ENTRIES
from rcep_origin.certificates.verification import (
    TrustStore,
    VerificationReport,
    verify_credential_json,
    verify_document,
)
from rcep_origin.declaration import Declaration, canonical_json, validate_declaration
from rcep_origin.errors import InputError
from rcep_origin.origin import determine
from rcep_origin.rules import RuleSet, builtin_ruleset
from rcep_origin.store import schema, sql
from rcep_origin.store.database import Database
from rcep_origin.store.keystore import FileKeystore, StoreError

EXPORTER, ISSUER, VERIFIER = "exporter", "issuing_body", "verifier"
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


class Authority:
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
    ) -> Authority:
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
        try:
            with self.database.session(writes=writes) as session:
                work = _Work(session)
                yield work
                for actor, action, subject, data in work.audit:
                    sql.audit(session, actor, action, subject, data)
        except (OperationalError, IntegrityError, DataError, DBAPIError) as exc:
            raise _translate(exc) from exc
        except PoolTimeout as exc:
            raise Unavailable(
                "The service is busy: no database connection was free in time",
                "Retry the request (with the same Idempotency-Key).",
            ) from exc

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

    # -- declarations ----------------------------------------------------------------------

    def submit_declaration(
        self,
        actor: sql.Principal,
        document: Any,
        *,
        declaration_id: str | None = None,
        idempotency: Idempotency | None = None,
    ) -> Outcome[DeclarationVersionView]:
        """Store a declaration (version 1), or a new immutable version of one."""
        self._require(actor, EXPORTER)
        declaration = validate_declaration(document)  # before any transaction: bad input is 400
        if declaration.exporting_party != actor.party:
            raise Refused(
                "An exporter declares goods exported from its own Party",
                f"the declaration says {declaration.exporting_party}; the exporter is "
                f"registered in {actor.party}",
                kind="wrong-party",
                field="exporting_party",
            )
        with self._work() as work:

            def store() -> DeclarationVersionView:
                if declaration_id is not None:
                    self._own_declaration(work.session, actor, declaration_id)
                return self._store_version(
                    work, actor, declaration_id or _new_id("decl"), declaration
                )

            return self._once(work, actor, idempotency, DeclarationVersionView, store)

    def _own_declaration(
        self, session: Session, actor: sql.Principal, declaration_id: str
    ) -> schema.DeclarationVersion:
        row = sql.declaration_version(session, declaration_id)
        if row is None or row.organisation_id != actor.organisation_id:
            raise NotFound("No such declaration")
        return row

    def _store_version(
        self, work: _Work, actor: sql.Principal, declaration_id: str, declaration: Declaration
    ) -> DeclarationVersionView:
        document = declaration.model_dump(mode="json", by_alias=True, exclude_none=True)
        digest = hashlib.sha256(canonical_json(declaration).encode()).hexdigest()
        try:
            row = sql.add_declaration_version(
                work.session, actor.organisation_id, declaration_id, document, digest
            )
        except PermissionError:
            raise NotFound("No such declaration") from None
        work.record(
            actor, "declaration.version", f"{declaration_id}@{row.version}", {"sha256": digest}
        )
        return _version_view(row)

    def declaration(
        self, actor: sql.Principal, declaration_id: str, version: int | None = None
    ) -> DeclarationView | DeclarationDocumentView:
        """The latest version with the list of versions, or one version."""
        self._require(actor, EXPORTER, ISSUER)
        with self._work(writes=False) as work:
            row = self._readable_version(work.session, actor, declaration_id, version)
            if version is not None:
                return DeclarationDocumentView(
                    **_version_view(row).model_dump(), document=row.document
                )
            return DeclarationView(
                **_version_view(row).model_dump(),
                document=row.document,
                versions=[
                    _version_view(r) for r in sql.declaration_versions(work.session, declaration_id)
                ],
            )

    def _readable_version(
        self, session: Session, actor: sql.Principal, declaration_id: str, version: int | None
    ) -> schema.DeclarationVersion:
        row = sql.declaration_version(session, declaration_id, version)
        if row is None or not self._may_read(session, actor, row):
            raise NotFound("No such declaration")
        return row

    def _may_read(
        self, session: Session, actor: sql.Principal, row: schema.DeclarationVersion
    ) -> bool:
        """Its exporter; an issuing body of the exporting Party once it is named in an
        application (costs are private: nobody else, whatever the role)."""
        if row.organisation_id == actor.organisation_id:
            return True
        if actor.role != ISSUER or actor.party != self.keystore.profile().country:
            return False
        exporter = session.get(schema.Organisation, row.organisation_id)
        return (
            exporter is not None
            and exporter.party == actor.party
            and _requested(session, row.declaration_id)
        )

    # -- determinations and pre-reviews ----------------------------------------------------

    def determine(
        self,
        actor: sql.Principal,
        declaration_id: str,
        version: int | None = None,
        *,
        idempotency: Idempotency | None = None,
    ) -> Outcome[DeterminationRunView]:
        """Determine origin for a stored declaration version; the run and its verdict are
        kept, and its hashes audited."""
        self._require(actor, EXPORTER, ISSUER)
        with self._work() as work:

            def run() -> DeterminationRunView:
                row = self._readable_version(work.session, actor, declaration_id, version)
                verdict = determine(validate_declaration(row.document), ruleset=self.ruleset)
                record = self._record_run(
                    work,
                    actor,
                    row,
                    "determination",
                    verdict.outcome.value,
                    verdict.to_dict(),
                    {"determination_sha256": verdict.sha256()},
                )
                return DeterminationRunView(
                    run_id=record.id,
                    declaration_id=declaration_id,
                    version=row.version,
                    determination=verdict.to_dict(),
                )

            return self._once(work, actor, idempotency, DeterminationRunView, run)

    def prereview(
        self,
        actor: sql.Principal,
        declaration_id: str,
        version: int | None = None,
        *,
        lang: str = "en",
        idempotency: Idempotency | None = None,
    ) -> Outcome[PrereviewRunView]:
        """Pre-review a stored declaration version against the exporter's other declarations."""
        self._require(actor, EXPORTER, ISSUER)
        with self._work() as work:

            def run() -> PrereviewRunView:
                row = self._readable_version(work.session, actor, declaration_id, version)
                record, review = self._run_prereview(work, actor, row, lang)
                return PrereviewRunView(
                    run_id=record.id,
                    declaration_id=declaration_id,
                    version=row.version,
                    prereview=review.to_dict(),
                )

            return self._once(work, actor, idempotency, PrereviewRunView, run)

    def _record_run(
        self,
        work: _Work,
        actor: sql.Principal,
        row: schema.DeclarationVersion,
        kind: str,
        outcome: str,
        result: dict[str, Any],
        audited: dict[str, Any],
    ) -> schema.Run:
        run = schema.Run(
            id=_new_id("run"),
            kind=kind,
            declaration_version_id=row.id,
            organisation_id=actor.organisation_id,
            outcome=outcome,
            result=result,
            created=sql.now(),
        )
        work.session.add(run)
        work.record(
            actor,
            f"{kind}.run",
            run.id,
            {"declaration": f"{row.declaration_id}@{row.version}", **audited},
        )
        return run

    def _run_prereview(
        self, work: _Work, actor: sql.Principal, row: schema.DeclarationVersion, lang: str
    ) -> tuple[schema.Run, Any]:
        # Pre-review loads the HS suggester (scikit-learn): imported where it is used.
        from rcep_origin.prereview import PreReviewContext, prereview

        latest: dict[str, schema.DeclarationVersion] = {}
        for other in sql.organisation_declarations(work.session, row.organisation_id):
            if (
                other.declaration_id != row.declaration_id
                and other.version >= latest.get(other.declaration_id, other).version
            ):
                latest[other.declaration_id] = other
        context = PreReviewContext.from_declarations(
            (r.declaration_id, validate_declaration(r.document)) for r in latest.values()
        )
        review = prereview(
            validate_declaration(row.document),
            ruleset=self.ruleset,
            lang=lang,
            context=context,
            source=row.declaration_id,
        )
        record = self._record_run(
            work,
            actor,
            row,
            "prereview",
            review.verdict.value,
            review.to_dict(),
            {"verdict": review.verdict.value},
        )
        return record, review

    def run(self, actor: sql.Principal, run_id: str) -> RunView:
        self._require(actor, EXPORTER, ISSUER)
        with self._work(writes=False) as work:
            found = work.session.get(schema.Run, run_id)
            version = (
                None
                if found is None
                else work.session.get(schema.DeclarationVersion, found.declaration_version_id)
            )
            if (
                found is None
                or version is None
                or not (
                    found.organisation_id == actor.organisation_id
                    or self._may_read(work.session, actor, version)
                )
            ):
                raise NotFound("No such run")
            return RunView(
                run_id=found.id,
                kind=found.kind,
                outcome=found.outcome,
                result=found.result,
                created=found.created,
            )

    # -- applications and issuance ---------------------------------------------------------

    def apply(
        self,
        actor: sql.Principal,
        application: Application,
        *,
        idempotency: Idempotency | None = None,
    ) -> Outcome[RequestView]:
        """Apply for a certificate. The exporter is the caller's registered identity. For an
        approved exporter whose goods pass pre-review and determine as originating, the
        certificate is issued at once; otherwise an issuing body decides."""
        self._require(actor, EXPORTER)
        with self._work() as work:

            def submit() -> RequestView:
                exporter = self._registered_identity(work.session, actor, application.exporter)
                body = application.model_dump(mode="json")
                body["exporter"] = exporter.model_dump(mode="json", exclude_none=True)
                body["items"] = self._named_items(work.session, actor, application)
                row = schema.CertificateRequestRow(
                    id=_new_id("req"),
                    organisation_id=actor.organisation_id,
                    application=body,
                    state="submitted",
                    reason=None,
                    certificate_number=None,
                    created=sql.now(),
                    decided=None,
                )
                work.session.add(row)
                work.session.flush()
                work.record(actor, "request.submit", row.id, body)
                issued = None
                if actor.approved_exporter:
                    issued = self._issue_automatically(work, actor, row)
                return _request_view(row, issued)

            return self._once(work, actor, idempotency, RequestView, submit)

    def _registered_identity(
        self, session: Session, actor: sql.Principal, stated: Organisation | None
    ) -> Organisation:
        """Annex 3B(a): the exporter's registered name, address and Party. An application
        that names anyone else is refused, not corrected."""
        organisation = session.get(schema.Organisation, actor.organisation_id)
        assert organisation is not None
        if not organisation.address:
            raise Refused(
                "The exporter's address is not registered",
                "An issuing body registers it ('rcep-origin orgs create --address ...').",
                kind="identity-incomplete",
            )
        registered = Organisation(
            name=organisation.name,
            address=organisation.address,
            country=organisation.party,
            identifier=organisation.identifier,
        )
        if stated is not None and stated.model_dump(exclude_none=True) != registered.model_dump(
            exclude_none=True
        ):
            raise Refused(
                "The application names another exporter than the caller",
                f"a certificate names the registered exporter {organisation.name!r} "
                f"({organisation.party}); leave 'exporter' out or state it exactly",
                kind="identity-mismatch",
                field="exporter",
            )
        return registered

    def _named_items(
        self, session: Session, actor: sql.Principal, application: Application
    ) -> list[dict[str, Any]]:
        """Pin each item to the declaration version it names (and its hash)."""
        named = []
        for index, requested in enumerate(application.items):
            item = requested.model_dump(mode="json")
            version = sql.declaration_version(session, item["declaration_id"], item["version"])
            if version is None or version.organisation_id != actor.organisation_id:
                raise InputError("No such declaration", path=f"items[{index}].declaration_id")
            importing = version.document.get("importing_party")
            if importing != application.importer.country:
                raise Refused(
                    "The importer is not in the importing Party of the declaration",
                    f"items[{index}] is declared for {importing}; the importer is in "
                    f"{application.importer.country}",
                    kind="identity-mismatch",
                    field="importer.country",
                )
            named.append({**item, "version": version.version, "sha256": version.sha256})
        return named

    def _issue_automatically(
        self, work: _Work, actor: sql.Principal, row: schema.CertificateRequestRow
    ) -> IssuedCertificate | None:
        rejected = []
        for item in row.application["items"]:
            version = sql.declaration_version(work.session, item["declaration_id"], item["version"])
            assert version is not None
            review_run, review = self._run_prereview(work, actor, version, "en")
            if review.verdict.value == "reject":
                rejected.append(f"{item['declaration_id']}: pre-review {review_run.id} rejects it")
        if rejected:
            row.reason = "not issued automatically: " + "; ".join(rejected)
            return None
        try:
            with work.session.begin_nested():
                return self._issue_request(work, row, f"{actor.actor} (approved exporter)")
        except IssuanceRefused as exc:
            row.reason = f"not issued automatically: {exc.path}: {exc.message}"
            return None

    def requests(self, actor: sql.Principal, state: str | None = None) -> list[RequestView]:
        self._require(actor, EXPORTER, ISSUER)
        query = select(schema.CertificateRequestRow).order_by(schema.CertificateRequestRow.created)
        if actor.role == EXPORTER:
            query = query.where(
                schema.CertificateRequestRow.organisation_id == actor.organisation_id
            )
        else:
            self._issuing_body(actor)
            query = query.join(
                schema.Organisation,
                schema.Organisation.id == schema.CertificateRequestRow.organisation_id,
            ).where(schema.Organisation.party == actor.party)
        if state is not None:
            query = query.where(schema.CertificateRequestRow.state == state)
        with self._work(writes=False) as work:
            return [_request_view(r) for r in work.session.execute(query).scalars()]

    def request(self, actor: sql.Principal, request_id: str) -> RequestView:
        self._require(actor, EXPORTER, ISSUER)
        with self._work(writes=False) as work:
            return _request_view(self._visible_request(work.session, actor, request_id))

    def _visible_request(
        self, session: Session, actor: sql.Principal, request_id: str, *, lock: bool = False
    ) -> schema.CertificateRequestRow:
        row = session.get(schema.CertificateRequestRow, request_id, with_for_update=lock)
        if row is not None and actor.role == EXPORTER:
            visible = row.organisation_id == actor.organisation_id
        elif row is not None:
            exporter = session.get(schema.Organisation, row.organisation_id)
            visible = exporter is not None and exporter.party == actor.party
        else:
            visible = False
        if row is None or not visible:
            raise NotFound("No such certificate request")
        return row

    def issue(
        self, actor: sql.Principal, request_id: str, *, idempotency: Idempotency | None = None
    ) -> Outcome[RequestView]:
        """Issue the certificate an application asks for, exactly once: the request row is
        locked for the transaction, so of concurrent calls one issues and the others find it
        decided (409). A refused good leaves the request open and writes nothing."""
        self._issuing_body(actor)
        with self._work() as work:

            def decide() -> RequestView:
                row = self._visible_request(work.session, actor, request_id, lock=True)
                _still_open(row)
                try:
                    issued = self._issue_request(work, row, actor.actor)
                except IssuanceRefused as exc:
                    raise Refused(
                        "The certificate cannot be issued",
                        exc.message,
                        kind="not-originating",
                        field=exc.path,
                    ) from None
                return _request_view(row, issued)

            return self._once(work, actor, idempotency, RequestView, decide)

    def refuse(self, actor: sql.Principal, request_id: str, reason: str) -> RequestView:
        self._issuing_body(actor)
        with self._work() as work:
            row = self._visible_request(work.session, actor, request_id, lock=True)
            _still_open(row)
            row.state, row.reason, row.decided = "refused", reason, sql.now()
            work.record(actor, "request.refuse", row.id, {"reason": reason})
            return _request_view(row)

    def _issuer(
        self, session: Session, *, request_id: str | None = None, exporter_id: str | None = None
    ) -> Issuer:
        registry = sql.SqlRegistry(
            session,
            request_id=request_id,
            exporter_id=exporter_id,
            status_capacity=self.status_capacity,
        )
        return Issuer(
            self.keystore.profile(),
            self.keystore.current_signer(),
            registry,
            xml_signer=self.keystore.xml_signer(clock=self.clock),
            clock=self.clock,
        )

    def _register(self, session: Session) -> sql.SqlRegistry:
        """The register as verification reads it: it speaks for this issuer's certificates
        only (another trusted issuer's are not 'never issued', just not known here)."""
        return sql.SqlRegistry(session, issuer_did=self.keystore.profile().did)

    def _issue_request(
        self, work: _Work, row: schema.CertificateRequestRow, actor: str
    ) -> IssuedCertificate:
        issuer = self._issuer(work.session, request_id=row.id, exporter_id=row.organisation_id)
        issued = issuer.issue([_application(work.session, row)], ruleset=self.ruleset)[0]
        row.state, row.certificate_number, row.decided = (
            "issued",
            issued.certificate.number,
            sql.now(),
        )
        work.record(
            actor,
            "certificate.issue",
            issued.certificate.number,
            {"request": row.id, "credential_sha256": sql.sha256_json(issued.credential)},
        )
        return issued

    def issue_application(
        self, actor: sql.Principal, requests: list[CertificateRequest]
    ) -> list[IssuedCertificate]:
        """Issue certificates on applications the issuing body received itself (the CLI): all
        or none, into the same register and number sequence as the service."""
        self._issuing_body(actor)
        with self._work() as work:
            try:
                issued = self._issuer(work.session).issue(requests, ruleset=self.ruleset)
            except IssuanceRefused as exc:
                raise Refused(
                    "The certificate cannot be issued",
                    exc.message,
                    kind="not-originating",
                    field=exc.path,
                ) from None
            for item in issued:
                work.record(
                    actor,
                    "certificate.issue",
                    item.certificate.number,
                    {"credential_sha256": sql.sha256_json(item.credential)},
                )
            return issued

    # -- certificates and their status -----------------------------------------------------

    def certificate(self, actor: sql.Principal, number: str) -> CertificateView:
        with self._work(writes=False) as work:
            row = self._visible_certificate(work.session, actor, number)
            return CertificateView(
                number=row.number, credential=row.credential, jwt=row.jwt, created=row.created
            )

    def certificate_forms(self, actor: sql.Principal, number: str) -> IssuedCertificate:
        """Every stored form of a certificate (for the XML and PDF downloads)."""
        with self._work(writes=False) as work:
            row = self._visible_certificate(work.session, actor, number)
            return IssuedCertificate(
                certificate=certificate_from_credential(row.credential),
                credential=row.credential,
                jwt=row.jwt,
                xml=row.xml,
                status=(),
            )

    def certificate_pdf(self, actor: sql.Principal, number: str) -> bytes:
        return self.render_pdf(self.certificate_forms(actor, number))

    def render_pdf(self, issued: IssuedCertificate) -> bytes:
        """The PDF form: the RCEP form's layout, a QR code to this issuer's verification page,
        and the signed JSON and JWT embedded so it verifies offline."""
        from rcep_origin.certificates.pdf import render_pdf

        signed = (json.dumps(issued.credential, indent=2, ensure_ascii=False) + "\n").encode()
        return render_pdf(
            issued.certificate,
            signed_credential=signed,
            verification_url=self.keystore.profile().verify_link(issued.certificate.number),
            jwt=issued.jwt,
        )

    def _visible_certificate(
        self, session: Session, actor: sql.Principal, number: str
    ) -> schema.CertificateRow:
        row = session.get(schema.CertificateRow, number)
        if row is None:
            raise NotFound("No such certificate")
        certificate = certificate_from_credential(row.credential)
        visible = {
            EXPORTER: row.exporter_organisation_id == actor.organisation_id,
            ISSUER: certificate.issuing_body.country == actor.party,
            VERIFIER: certificate.importing_party == actor.party,
        }.get(actor.role, False)
        if not visible:
            raise NotFound("No such certificate")
        return row

    def set_status(
        self,
        actor: sql.Principal,
        number: str,
        *,
        purpose: str = "revocation",
        flagged: bool = True,
        reason: str = "",
    ) -> StatusView:
        """Revoke (final), suspend, or reinstate a suspended certificate this issuing body
        issued: flips its bit and re-signs the list. A change that would change nothing, or
        undo a revocation, is a conflict."""
        self._issuing_body(actor)
        with self._work() as work:
            row = work.session.get(schema.CertificateRow, number)
            if row is None or (
                certificate_from_credential(row.credential).issuing_body.id
                != self.keystore.profile().did
            ):
                raise NotFound("No certificate with this number was issued here")
            try:
                self._issuer(work.session).set_status(number, purpose=purpose, flagged=flagged)
            except StatusUnchanged as exc:
                raise Conflict(
                    "The status cannot change so", exc.message, kind="status-unchanged"
                ) from None
            except NotIssued as exc:
                raise NotFound(exc.message) from None
            work.record(
                actor,
                f"certificate.{purpose}",
                number,
                {"purpose": purpose, "flagged": flagged, "reason": reason},
            )
            return StatusView(number=number, purpose=purpose, flagged=flagged)

    # -- keys -------------------------------------------------------------------------------

    def create_key(self, actor: sql.Principal) -> VerificationKey:
        """A new signing key; the previous one is retired and keeps verifying what it signed."""
        self._issuing_body(actor)
        with self._work() as work:
            key = self.keystore.create_key()
            work.record(actor, "key.create", key.id, key.to_record())
            self._resign_status_lists(work, actor)
            return key

    def revoke_key(self, actor: sql.Principal, kid: str, at: datetime) -> VerificationKey:
        """Report a key compromised from ``at``: what it signed from then on fails."""
        self._issuing_body(actor)
        with self._work() as work:
            try:
                key = self.keystore.revoke_key(kid, at)
            except StoreError as exc:
                raise NotFound(exc.message) from None
            work.record(actor, "key.revoke", key.id, key.to_record())
            self._resign_status_lists(work, actor)
            return key

    def _resign_status_lists(self, work: _Work, actor: sql.Principal) -> None:
        """Sign every status list again with the current key: a list signed by a key that is
        now revoked would fail, and whoever holds that key could otherwise sign a back-dated
        list that clears a revocation. With no current key (the current one was revoked),
        this waits for the next 'keys create', which calls it again."""
        try:
            issuer = self._issuer(work.session)
        except StoreError:
            return
        lists = issuer.resign_status_lists()
        if lists:
            work.record(actor, "status_lists.resign", issuer.signer.key.id, {"lists": lists})

    # -- verification (anyone) -------------------------------------------------------------

    def trust(self) -> TrustStore:
        """The keys this authority verifies with: its own and the other issuers it trusts,
        re-read when a key file changes (a rotation or a revocation made by the CLI is seen
        by a running service at once)."""
        homes = (self.keystore.home, *self.trust_homes)
        stamp = tuple(_mtime(Path(h) / "keys" / "keys.json") for h in homes)
        if self._trust is None or self._trust[0] != stamp:
            self._trust = (stamp, trust_of_homes(*homes))
        return self._trust[1]

    def verify_number(self, number: str) -> VerificationReport:
        """Online verification of a certificate in the register: signature, key, validity,
        status and the register entry itself."""
        with self._work(writes=False) as work:
            row = work.session.get(schema.CertificateRow, number)
            if row is None:
                raise NotFound("No certificate with this number was issued here")
            registry = self._register(work.session)
            return verify_credential_json(
                row.credential, self.trust(), registry, self.clock(), register=registry
            )

    def verify_document(
        self, data: bytes, *, trust: TrustStore | None = None, now: datetime | None = None
    ) -> VerificationReport:
        """Verify a presented certificate of any form, against the register too (its status
        lists, and whether it holds that number with that content)."""
        with self._work(writes=False) as work:
            registry = self._register(work.session)
            return verify_document(
                data,
                trust or self.trust(),
                registry,
                now=now or self.clock(),
                register=registry,
            )

    def status_list(self, list_id: str) -> dict[str, Any]:
        with self._work(writes=False) as work:
            row = work.session.get(schema.StatusListRow, list_id)
            if row is None or row.credential is None:
                raise NotFound("No such status list")
            return row.credential

    def published(self, name: str) -> dict[str, Any]:
        """What the issuer publishes (``did.json``, ``jwks.json``), as the keystore wrote it;
        re-read only when the file changes (a rotation or revocation)."""
        if name not in PUBLISHED:
            raise NotFound(f"{name} is not published")
        path = self.keystore.home / "public" / name
        stamp = _mtime(path)
        cached = self._published.get(name)
        if cached is None or cached[0] != stamp:
            try:
                cached = (stamp, json.loads(path.read_text("utf-8")))
            except FileNotFoundError:
                raise NotFound(f"{name} is not published yet: create a key") from None
            self._published[name] = cached
        return cached[1]

    # -- operations ------------------------------------------------------------------------

    def migrate_file_home(self, actor: sql.Principal) -> MigrationReport:
        """Move the file register of this issuing body's home into the database (once)."""
        self._issuing_body(actor)
        home = self.keystore.home
        with self._work() as work:
            done = import_file_register(work.session, home)
            work.record(actor, "home.migrate", str(home), asdict(done))
        self.keystore.publish()  # older homes dropped revoked keys from did.json and jwks.json
        moved = move_aside(home, self.clock().strftime("%Y%m%dT%H%M%SZ"))
        return MigrationReport(
            certificates=done.certificates,
            status_lists=done.status_lists,
            sequences=done.sequences,
            moved_to=None if moved is None else str(moved),
        )

    def health(self) -> dict[str, str]:
        try:
            state = self.database.check()
        except DBAPIError as exc:
            raise _translate(exc) from exc
        if not state.ok:
            raise Unavailable("The database is not ready", state.reason, kind="database-not-ready")
        with self._work(writes=False) as work:
            work.session.execute(select(schema.AuditEntry.seq).limit(1)).all()
        return {"status": "ok", "database": "ok", "schema": state.revision or ""}

    def verify_audit(self, actor: sql.Principal) -> AuditReport:
        self._issuing_body(actor)
        with self._work(writes=False) as work:
            report = sql.verify_audit_chain(work.session)
        return AuditReport(**report.to_dict())

    def create_organisation(
        self,
        actor: sql.Principal,
        *,
        organisation_id: str,
        name: str,
        role: str,
        party: str,
        address: str | None = None,
        identifier: str | None = None,
        approved_exporter: bool = False,
    ) -> str:
        """Register an organisation and return its first API key (shown once)."""
        self._issuing_body(actor)
        if role == EXPORTER and not address:
            raise InputError("an exporter's registered address is required", path="address")
        with self._work() as work:
            if work.session.get(schema.Organisation, organisation_id) is not None:
                raise Conflict(f"{organisation_id} is already registered", kind="already-exists")
            try:
                sql.create_organisation(
                    work.session,
                    id=organisation_id,
                    name=name,
                    role=role,
                    party=party,
                    approved_exporter=approved_exporter,
                    address=address,
                    identifier=identifier,
                )
            except ValueError as exc:
                raise InputError(str(exc), path="role") from None
            key = sql.create_api_key(work.session, organisation_id)
            work.record(
                actor,
                "organisation.create",
                organisation_id,
                {"role": role, "party": party, "approved_exporter": approved_exporter},
            )
            return key

    def create_api_key(self, actor: sql.Principal, organisation_id: str) -> str:
        self._issuing_body(actor)
        with self._work() as work:
            if work.session.get(schema.Organisation, organisation_id) is None:
                raise NotFound(f"no organisation {organisation_id}")
            key = sql.create_api_key(work.session, organisation_id)
            work.record(actor, "api_key.create", organisation_id, {"key": key.split(".")[0]})
            return key

    def dispose(self) -> None:
        self.database.dispose()


# -- helpers --------------------------------------------------------------------------------


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


def _requested(session: Session, declaration_id: str) -> bool:
    for application in session.execute(select(schema.CertificateRequestRow.application)).scalars():
        if any(item["declaration_id"] == declaration_id for item in application["items"]):
            return True
    return False


def _still_open(row: schema.CertificateRequestRow) -> None:
    if row.state != "submitted":
        raise Conflict(
            f"The request is already {row.state}",
            kind="request-decided",
            certificate_number=row.certificate_number,
        )


def _version_view(row: schema.DeclarationVersion) -> DeclarationVersionView:
    return DeclarationVersionView(
        declaration_id=row.declaration_id,
        version=row.version,
        sha256=row.sha256,
        created=row.created,
    )


def _request_view(
    row: schema.CertificateRequestRow, issued: IssuedCertificate | None = None
) -> RequestView:
    return RequestView(
        request_id=row.id,
        state=row.state,
        reason=row.reason,
        certificate_number=row.certificate_number,
        created=row.created,
        decided=row.decided,
        application=row.application,
        credential=None if issued is None else issued.credential,
        jwt=None if issued is None else issued.jwt,
    )


def _application(session: Session, row: schema.CertificateRequestRow) -> CertificateRequest:
    items = []
    for item in row.application["items"]:
        version = sql.declaration_version(session, item["declaration_id"], item["version"])
        assert version is not None
        items.append(
            {
                **{
                    k: v
                    for k, v in item.items()
                    if k not in ("declaration_id", "version", "sha256")
                },
                "declaration": validate_declaration(version.document),
            }
        )
    try:
        return CertificateRequest.model_validate(
            {**{k: v for k, v in row.application.items() if k != "items"}, "items": items}
        )
    except ValidationError as exc:
        raise InputError(f"the stored application no longer validates: {exc}") from None
