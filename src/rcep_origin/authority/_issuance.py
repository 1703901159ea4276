"""Use cases on applications and certificates: apply (as the registered exporter), issue
exactly once, refuse, read certificates, revoke / suspend / reinstate."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from rcep_origin.authority._core import EXPORTER, ISSUER, VERIFIER, Idempotency, _new_id, _Work
from rcep_origin.authority._declarations import _Declarations
from rcep_origin.authority._errors import (
    Conflict,
    NotFound,
    Refused,
    Unavailable,
)
from rcep_origin.authority._inputs import Application
from rcep_origin.authority._views import (
    CertificateView,
    Outcome,
    RequestView,
    StatusView,
)
from rcep_origin.certificates.credential import certificate_from_credential
from rcep_origin.certificates.issuance import IssuanceRefused
from rcep_origin.certificates.issuer import (
    IssuedCertificate,
    Issuer,
    NotIssued,
    StatusUnchanged,
)
from rcep_origin.certificates.model import Organisation
from rcep_origin.certificates.request import CertificateRequest
from rcep_origin.declaration import validate_declaration
from rcep_origin.errors import InputError
from rcep_origin.store import schema, sql
from rcep_origin.store.key_protection import KeyProtectionError


class _Issuance(_Declarations):
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
                        kind=exc.kind,
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
        try:
            signer = self.keystore.current_signer()
            xml_signer = self.keystore.xml_signer(clock=self.clock)
        except KeyProtectionError as exc:
            # The operator's configuration, not the caller's input: nothing can be signed now.
            raise Unavailable(
                "The issuing body's signing key is not available",
                exc.message,
                kind="signing-key-unavailable",
            ) from None
        return Issuer(
            self.keystore.profile(), signer, registry, xml_signer=xml_signer, clock=self.clock
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
        self._on_issued(work, [issued])
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
                    kind=exc.kind,
                    field=exc.path,
                ) from None
            for item in issued:
                work.record(
                    actor,
                    "certificate.issue",
                    item.certificate.number,
                    {"credential_sha256": sql.sha256_json(item.credential)},
                )
            self._on_issued(work, issued)
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
        the signed JSON and JWT embedded so it verifies offline, and the whole file signed
        (PAdES) with the issuing body's XML signing identity, so the page cannot be edited."""
        from rcep_origin.certificates.pdf import render_pdf
        from rcep_origin.certificates.pdf_signature import sign_pdf

        signed = (json.dumps(issued.credential, indent=2, ensure_ascii=False) + "\n").encode()
        pdf = render_pdf(
            issued.certificate,
            signed_credential=signed,
            verification_url=self.keystore.profile().verify_link(issued.certificate.number),
            jwt=issued.jwt,
        )
        try:
            private_key, certificate = self.keystore.xml_identity()
        except KeyProtectionError as exc:
            raise Unavailable(
                "The issuing body's signing key is not available",
                exc.message,
                kind="signing-key-unavailable",
            ) from None
        return sign_pdf(pdf, private_key, certificate, signed_at=self.clock())

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
            self._on_status_changed(work, number, purpose, flagged, reason)
            return StatusView(number=number, purpose=purpose, flagged=flagged)

    # Hooks run inside the transaction of an issuance or a status change, for what must commit
    # with it (the exchange's outbox, authority/_outbox.py); nothing here.
    def _on_issued(self, work: _Work, issued: list[IssuedCertificate]) -> None:
        return None

    def _on_status_changed(
        self, work: _Work, number: str, purpose: str, flagged: bool, reason: str
    ) -> None:
        return None


def _still_open(row: schema.CertificateRequestRow) -> None:
    if row.state != "submitted":
        raise Conflict(
            f"The request is already {row.state}",
            kind="request-decided",
            certificate_number=row.certificate_number,
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
