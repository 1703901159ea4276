"""Read use cases the console needs (issue 17) and the API did not have: who holds a session,
an exporter's declarations with their latest runs, a declaration version with its runs and the
applications naming it, the certificates an organisation may see with their current status, and
one certificate's audit trail and rule set. Each reads in one read-only unit of work under the
same visibility rules as the use cases it complements (``_may_read``, ``_visible_request``,
``_visible_certificate``); none writes, except the console's own session secret in the home.
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime
from typing import Any

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from rcep_origin.authority._core import EXPORTER, ISSUER
from rcep_origin.authority._errors import NotFound, Unauthenticated
from rcep_origin.authority._issuance import _Issuance, _request_view
from rcep_origin.authority._views import RequestView, RunView, View
from rcep_origin.certificates.credential import certificate_from_credential, status_entries
from rcep_origin.certificates.status_list import Bitstring
from rcep_origin.store import schema, sql

SESSION_SECRET_FILE = "console-session.key"  # in the issuing body's home, beside its keys


class DeclarationSummaryView(View):
    """One line of an exporter's list: the latest version and what its latest runs said."""

    declaration_id: str
    version: int
    created: datetime
    description: str
    hs_code: str
    exporting_party: str
    importing_party: str
    determination: str | None = Field(description="outcome of the latest determination run")
    prereview: str | None = Field(description="verdict of the latest pre-review run")


class DeclarationRecordView(View):
    """A declaration version as the console shows it: the document, its versions, its latest
    determination and pre-review runs, and the applications that name it."""

    declaration_id: str
    version: int
    sha256: str
    created: datetime
    owner: str
    versions: list[int]
    document: dict[str, Any]
    determination: RunView | None
    prereview: RunView | None
    requests: list[RequestView]


class GoodSummaryView(View):
    """A good named in an application, with what the latest runs on its version said."""

    declaration_id: str
    version: int
    description: str
    hs_code: str
    determination: str | None
    prereview: str | None


class QueueEntryView(View):
    request: RequestView
    goods: list[GoodSummaryView]


class AuditEntryView(View):
    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    data_sha256: str
    hash: str


class CertificateSummaryView(View):
    number: str
    created: datetime
    request_id: str | None
    exporter: str
    importer: str
    importing_party: str
    goods: list[str] = Field(description="description and HS code of each good")
    status: str = Field(description="active, suspended or revoked")


class CertificateRecordView(CertificateSummaryView):
    """One certificate with what an issuing body needs around it: its audit trail (the
    application, the declaration versions and runs it rests on, its issue and status changes)
    and the rule-set versions its goods were decided under."""

    credential: dict[str, Any]
    certificate: dict[str, Any] = Field(description="the Annex 3B content, as the model reads it")
    ruleset_versions: list[str]
    audit: list[AuditEntryView]


class _ConsoleQueries(_Issuance):
    # -- sessions --------------------------------------------------------------------------

    def console_secret(self) -> bytes:
        """The key the console signs its session cookies with: 32 random bytes kept in the
        issuing body's home (mode 0600), made on first use. Deleting the file ends every
        session; several workers of one home share it."""
        path = self.keystore.home / SESSION_SECRET_FILE
        try:
            return path.read_bytes()
        except FileNotFoundError:
            pass
        fresh = secrets.token_bytes(32)
        try:
            # O_EXCL: of two workers starting together, one writes and both read its secret.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_bytes()
        with os.fdopen(fd, "wb") as handle:
            handle.write(fresh)
        return fresh

    def principal_of_key(self, key_id: str) -> sql.Principal:
        """Who a console session speaks for, re-read on every request: a session ends when its
        API key is revoked or its organisation changes role or Party."""
        with self._work(writes=False) as work:
            key = work.session.get(schema.ApiKey, key_id)
            if key is None or key.revoked is not None:
                raise Unauthenticated("The session's API key is no longer valid")
            organisation = work.session.get(schema.Organisation, key.organisation_id)
            if organisation is None:
                raise Unauthenticated("The session's organisation no longer exists")
            return sql.Principal(
                organisation.id,
                organisation.role,
                organisation.party,
                organisation.approved_exporter,
                key.id,
            )

    def organisation_name(self, actor: sql.Principal) -> str:
        with self._work(writes=False) as work:
            organisation = work.session.get(schema.Organisation, actor.organisation_id)
            return actor.organisation_id if organisation is None else organisation.name

    def public_credential(self, number: str) -> dict[str, Any]:
        """The signed credential of a certificate issued here, for anyone holding its number:
        what the public verification page shows, with its proof, to keep or verify offline
        (a certificate carries no cost data)."""
        with self._work(writes=False) as work:
            row = work.session.get(schema.CertificateRow, number)
            did = self.keystore.profile().did
            if row is None or certificate_from_credential(row.credential).issuing_body.id != did:
                raise NotFound("No certificate with this number was issued here")
            return row.credential

    # -- declarations ----------------------------------------------------------------------

    def declarations_of(self, actor: sql.Principal) -> list[DeclarationSummaryView]:
        """The caller's declarations, newest first: each one's latest version and the outcome
        of the latest runs on it."""
        self._require(actor, EXPORTER)
        with self._work(writes=False) as work:
            latest: dict[str, schema.DeclarationVersion] = {}
            for row in sql.organisation_declarations(work.session, actor.organisation_id):
                if row.version >= latest.get(row.declaration_id, row).version:
                    latest[row.declaration_id] = row
            runs = _latest_runs(work.session, [row.id for row in latest.values()])
            out = []
            for row in sorted(latest.values(), key=lambda r: (r.created, r.id), reverse=True):
                product = row.document.get("product", {})
                out.append(
                    DeclarationSummaryView(
                        declaration_id=row.declaration_id,
                        version=row.version,
                        created=row.created,
                        description=str(product.get("description", "")),
                        hs_code=str(product.get("hs_code", "")),
                        exporting_party=str(row.document.get("exporting_party", "")),
                        importing_party=str(row.document.get("importing_party", "")),
                        determination=_outcome(runs.get((row.id, "determination"))),
                        prereview=_outcome(runs.get((row.id, "prereview"))),
                    )
                )
            return out

    def declaration_record(
        self, actor: sql.Principal, declaration_id: str, version: int | None = None
    ) -> DeclarationRecordView:
        """A version (the latest by default) with its latest runs and the applications naming
        it; visible to its exporter and, once it is named in an application, to the issuing
        body of the exporting Party."""
        self._require(actor, EXPORTER, ISSUER)
        with self._work(writes=False) as work:
            row = self._readable_version(work.session, actor, declaration_id, version)
            runs = _latest_runs(work.session, [row.id])
            requests = [
                _request_view(r)
                for r in work.session.execute(
                    select(schema.CertificateRequestRow).order_by(
                        schema.CertificateRequestRow.created.desc()
                    )
                ).scalars()
                if any(
                    item["declaration_id"] == declaration_id and item.get("version") == row.version
                    for item in r.application.get("items", [])
                )
                and (actor.role == ISSUER or r.organisation_id == actor.organisation_id)
            ]
            return DeclarationRecordView(
                declaration_id=row.declaration_id,
                version=row.version,
                sha256=row.sha256,
                created=row.created,
                owner=row.organisation_id,
                versions=[
                    r.version for r in sql.declaration_versions(work.session, declaration_id)
                ],
                document=row.document,
                determination=_run_view(runs.get((row.id, "determination"))),
                prereview=_run_view(runs.get((row.id, "prereview"))),
                requests=requests,
            )

    def queue(self, actor: sql.Principal, state: str | None = None) -> list[QueueEntryView]:
        """Applications as ``requests`` lists them (an exporter's own, or those of this
        issuing body's Party), newest first, each good with its latest verdict and pre-review."""
        found = self.requests(actor, state)
        with self._work(writes=False) as work:
            versions = {}
            for request in found:
                for item in request.application.get("items", []):
                    key = (item["declaration_id"], item.get("version"))
                    row = sql.declaration_version(work.session, *key)
                    if row is not None:
                        versions[key] = row
            runs = _latest_runs(work.session, [row.id for row in versions.values()])
            out = []
            for request in reversed(found):
                goods = []
                for item in request.application.get("items", []):
                    row = versions.get((item["declaration_id"], item.get("version")))
                    if row is None:
                        continue
                    product = row.document.get("product", {})
                    goods.append(
                        GoodSummaryView(
                            declaration_id=row.declaration_id,
                            version=row.version,
                            description=str(product.get("description", "")),
                            hs_code=str(product.get("hs_code", "")),
                            determination=_outcome(runs.get((row.id, "determination"))),
                            prereview=_outcome(runs.get((row.id, "prereview"))),
                        )
                    )
                out.append(QueueEntryView(request=request, goods=goods))
            return out

    # -- certificates ----------------------------------------------------------------------

    def certificates_of(self, actor: sql.Principal) -> list[CertificateSummaryView]:
        """The certificates the caller may see, newest first: an exporter's own, or those this
        issuing body issued."""
        self._require(actor, EXPORTER, ISSUER)
        query = select(schema.CertificateRow).order_by(
            schema.CertificateRow.created.desc(), schema.CertificateRow.number.desc()
        )
        if actor.role == EXPORTER:
            query = query.where(
                schema.CertificateRow.exporter_organisation_id == actor.organisation_id
            )
        else:
            self._issuing_body(actor)
        with self._work(writes=False) as work:
            did = self.keystore.profile().did
            out = []
            for row in work.session.execute(query).scalars():
                summary = _summary(work.session, row)
                if actor.role == EXPORTER or row.credential.get("issuer", {}).get("id", did) == did:
                    out.append(summary)
            return out

    def certificate_record(self, actor: sql.Principal, number: str) -> CertificateRecordView:
        """One certificate, its current status, the rule sets it was decided under, and -- for
        the issuing body -- its audit trail."""
        self._require(actor, EXPORTER, ISSUER)
        with self._work(writes=False) as work:
            row = self._visible_certificate(work.session, actor, number)
            summary = _summary(work.session, row)
            certificate = certificate_from_credential(row.credential)
            audit = self._trail(work.session, row) if actor.role == ISSUER else []
            return CertificateRecordView(
                **summary.model_dump(),
                credential=row.credential,
                certificate=certificate.model_dump(mode="json", exclude_none=True),
                ruleset_versions=sorted(
                    {item.determination.ruleset_version for item in certificate.goods}
                ),
                audit=audit,
            )

    def _trail(self, session: Session, row: schema.CertificateRow) -> list[AuditEntryView]:
        """Every audit entry about this certificate: its number, its application, the
        declaration versions the application names and the runs made on them."""
        subjects = {row.number}
        if row.request_id is not None:
            subjects.add(row.request_id)
            request = session.get(schema.CertificateRequestRow, row.request_id)
            items = [] if request is None else request.application.get("items", [])
            for item in items:
                version = sql.declaration_version(
                    session, item["declaration_id"], item.get("version")
                )
                if version is None:
                    continue
                subjects.add(f"{version.declaration_id}@{version.version}")
                subjects.update(
                    session.execute(
                        select(schema.Run.id).where(schema.Run.declaration_version_id == version.id)
                    ).scalars()
                )
        entry = schema.AuditEntry
        found = session.execute(
            select(entry).where(entry.subject.in_(subjects)).order_by(entry.seq)
        ).scalars()
        return [
            AuditEntryView(
                seq=e.seq,
                at=e.at,
                actor=e.actor,
                action=e.action,
                subject=e.subject,
                data_sha256=e.data_sha256,
                hash=e.hash,
            )
            for e in found
        ]


def _latest_runs(session: Session, version_ids: list[int]) -> dict[tuple[int, str], schema.Run]:
    """The latest run of each kind on each of these declaration versions."""
    if not version_ids:
        return {}
    latest: dict[tuple[int, str], schema.Run] = {}
    query = (
        select(schema.Run)
        .where(schema.Run.declaration_version_id.in_(version_ids))
        .order_by(schema.Run.created)
    )
    for run in session.execute(query).scalars():
        latest[(run.declaration_version_id, run.kind)] = run  # later rows replace earlier ones
    return latest


def _outcome(run: schema.Run | None) -> str | None:
    return None if run is None else run.outcome


def _run_view(run: schema.Run | None) -> RunView | None:
    if run is None:
        return None
    return RunView(
        run_id=run.id, kind=run.kind, outcome=run.outcome, result=run.result, created=run.created
    )


def _status(session: Session, row: schema.CertificateRow) -> str:
    """Revoked, suspended or active, from the certificate's bits in its status lists (read
    without the lock issuance takes: this only looks)."""
    flags = set()
    for entry in status_entries(row.credential):
        stored = session.get(schema.StatusListRow, entry.list_url.rstrip("/").rsplit("/", 1)[-1])
        if stored is not None and Bitstring(
            size=len(stored.bits) * 8, bits=bytearray(stored.bits)
        ).get(entry.index):
            flags.add(entry.purpose)
    if "revocation" in flags:
        return "revoked"
    return "suspended" if "suspension" in flags else "active"


def _summary(session: Session, row: schema.CertificateRow) -> CertificateSummaryView:
    certificate = certificate_from_credential(row.credential)
    return CertificateSummaryView(
        number=row.number,
        created=row.created,
        request_id=row.request_id,
        exporter=certificate.exporter.name,
        importer=certificate.importer.name,
        importing_party=certificate.importing_party,
        goods=[f"{g.description} ({g.hs_code})" for g in certificate.goods],
        status=_status(session, row),
    )
