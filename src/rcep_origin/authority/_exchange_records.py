"""The exchange's records and helpers (issue 20): how an assessment of a received document is
kept and shown, how a delivery's payload is made, and the small pure steps the use cases of
``_exchange`` and ``_outbox`` share."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from rcep_origin.authority._core import _new_id
from rcep_origin.authority._exchange_views import (
    EVENTS_ZH,
    DeliveryView,
    InboxRecordView,
    InboxSummaryView,
    PeerView,
    ReceiptView,
    StatusNotice,
    TrustedIssuerView,
    say,
)
from rcep_origin.authority._views import CheckView, Outcome
from rcep_origin.certificates.credential import (
    CredentialFormError,
    StatusEntry,
    certificate_from_credential,
    status_entries,
)
from rcep_origin.certificates.issuer import IssuedCertificate
from rcep_origin.certificates.keys import b64url_decode, read_published
from rcep_origin.certificates.model import Certificate, certificate_digest
from rcep_origin.certificates.receipts import receipt_instant
from rcep_origin.certificates.status_list import Bitstring, StatusListError
from rcep_origin.certificates.verification import (
    TrustStore,
    VerificationReport,
)
from rcep_origin.errors import InputError
from rcep_origin.store import exchange as store
from rcep_origin.store import schema, sql

if TYPE_CHECKING:
    pass

FORMS = {
    "json": "application/json",
    "jwt": "application/vc+jwt",
    "xml": "application/xml",
}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes for what was stored in UTC.
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


@dataclass
class _Assessment:
    """What the inbox concluded about one document."""

    form: str
    number: str
    certificate: Certificate | None
    authentic: bool  # the signature passed: the content is the issuer's
    checks: list[CheckView]
    verdict: str
    reason: str
    status: str
    classification: dict[str, Any] | None
    lists: dict[str, dict[str, Any]] = field(default_factory=dict)  # status lists it used

    @property
    def accepted(self) -> bool:
        return self.verdict != "invalid"


def _payload(issued: IssuedCertificate, form: str) -> tuple[bytes, str]:
    if form == "jwt":
        return issued.jwt.encode("ascii"), FORMS["jwt"]
    if form == "xml" and issued.xml is not None:
        return bytes(issued.xml), FORMS["xml"]
    return _canonical(issued.credential), FORMS["json"]


def _issuer_of(document: dict[str, Any], *, path: str = "document") -> str:
    did = document.get("id")
    if not isinstance(did, str) or not did.startswith("did:"):
        raise InputError("a did.json names its DID as its id", path=f"{path}.id")
    if len(did) > 300:
        raise InputError("the DID is longer than 300 characters", path=f"{path}.id")
    return did


def _published_keys(document: dict[str, Any], did: str, path: str) -> list[str]:
    """The ids of the keys ``document`` publishes for ``did`` (refusing a malformed one)."""
    try:
        published = read_published(document)
    except InputError as exc:
        raise InputError(exc.message, path=f"{path}.{exc.path}" if exc.path else path) from None
    return [key.id for key in published.keys if key.controller == did]


def _trust_of(document: dict[str, Any]) -> TrustStore:
    trust = TrustStore()
    with contextlib.suppress(InputError):  # a peer document that no longer reads verifies nothing
        trust.add_published(document)
    return trust


def _replay(receipt: dict[str, Any]) -> Outcome[ReceiptView]:
    return Outcome[ReceiptView](
        view=ReceiptView.model_validate(receipt),
        status=200 if receipt.get("accepted") else 422,
        replayed=True,
    )


def _is_receipt(body: dict[str, Any] | None) -> bool:
    return body is not None and body.get("type") == "RcepDeliveryReceipt"


def _describe(status: int | None, body: dict[str, Any] | None) -> str:
    detail = ""
    if body is not None:
        detail = str(body.get("title", "")) + (f": {body['detail']}" if body.get("detail") else "")
    return f"HTTP {status}" + (f" {detail}" if detail else "")


def _receipt_reason(assessment: _Assessment) -> tuple[str, str]:
    if assessment.accepted:
        english, chinese = say("accepted", verdict=assessment.verdict)
        if assessment.verdict != "valid":
            english, chinese = (
                f"{english} ({assessment.reason})",
                f"{chinese}（{assessment.reason}）",
            )
        return english, chinese
    return say("refused", reason=assessment.reason)


def _content_digest(assessment: _Assessment) -> str | None:
    # Only an authentic certificate's digest is stated: a tampered one's would be the forger's.
    if assessment.certificate is None or not assessment.authentic:
        return None
    return certificate_digest(assessment.certificate)


def _status(report: VerificationReport, data: bytes, lists: dict[str, dict[str, Any]]) -> str:
    """``in force``, ``revoked``, ``suspended`` or ``unknown``: the status check's result, and
    for a failed one the bits of the lists it was checked against (typed, not its wording)."""
    check = next((c for c in report.checks if c.name == "status"), None)
    if check is None or check.result == "unknown":
        return "unknown"
    if check.result == "pass":
        return "in force"
    flags = {
        entry.purpose: _bit(entry, lists.get(entry.list_url))
        for entry in _entries(data, report.form)
    }
    if flags.get("revocation"):
        return "revoked"
    if flags.get("suspension"):
        return "suspended"
    return "unknown"


def _entries(data: bytes, form: str) -> list[StatusEntry]:
    try:
        if form == "json":
            return status_entries(json.loads(data))
        if form == "jwt":
            payload = data.decode("ascii").strip().split(".")[1]
            return status_entries(json.loads(b64url_decode(payload)))
    except (CredentialFormError, ValueError, IndexError, UnicodeDecodeError):
        pass
    return []


def _bit(entry: StatusEntry, listing: dict[str, Any] | None) -> bool:
    if listing is None:
        return False
    subject = listing.get("credentialSubject")
    if not isinstance(subject, dict):
        return False
    try:
        bits = Bitstring.decode(str(subject.get("encodedList", "")))
    except StatusListError:
        return False
    return 0 <= entry.index < bits.size and bits.get(entry.index)


def _inbox_row(
    assessment: _Assessment,
    data: bytes,
    digest: str,
    actor: sql.Principal,
    receipt: dict[str, Any],
    now: datetime,
) -> schema.InboxRow:
    certificate = assessment.certificate if assessment.authentic else None
    chapters = [] if assessment.classification is None else assessment.classification["hs_chapters"]
    return schema.InboxRow(
        id=_new_id("inb"),
        sender=actor.organisation_id,
        sender_party=actor.party,
        number=assessment.number[:64],
        sha256=digest,
        form=assessment.form,
        document=data,
        content_sha256=_content_digest(assessment),
        issuer=None if certificate is None else certificate.issuing_body.id,
        exporting_party=None if certificate is None else certificate.exporting_party,
        importing_party=None if certificate is None else certificate.importing_party,
        importer_name=None if certificate is None else certificate.importer.name,
        importer_identifier=None if certificate is None else certificate.importer.identifier,
        verdict=assessment.verdict,
        accepted=assessment.accepted,
        status=assessment.status,
        reason=assessment.reason,
        checks={"checks": [check.model_dump() for check in assessment.checks]},
        classification=assessment.classification,
        hs_chapters="," + ",".join(chapters) + ("," if chapters else ""),
        appendix_flagged=bool(
            assessment.classification and assessment.classification["appendix_flagged"]
        ),
        rvc=bool(assessment.classification and assessment.classification["rvc"]),
        events={"events": []},
        receipt=receipt,
        received=now,
        updated=now,
    )


def _apply(
    row: schema.InboxRow, assessment: _Assessment, notice: StatusNotice, at: datetime
) -> None:
    """A record follows a status notice: its verdict, status, reason and checks are those of
    the verification just made; the notice joins its events."""
    row.verdict, row.status, row.reason = assessment.verdict, assessment.status, assessment.reason
    row.checks = {"checks": [check.model_dump() for check in assessment.checks]}
    row.events = {
        "events": [
            *row.events.get("events", []),
            {
                "event": notice.event,
                "event_zh": EVENTS_ZH[notice.event],
                "reason": notice.reason,
                "at": notice.at,
                "received": receipt_instant(at),
                "verdict": assessment.verdict,
                "status": assessment.status,
            },
        ]
    }
    row.updated = at


def _names(row: schema.InboxRow, scope: store.InboxFilter) -> bool:
    if row.content_sha256 is None:
        return False
    if scope.importer_identifier is not None and row.importer_identifier is not None:
        return row.importer_identifier == scope.importer_identifier
    return row.importer_name == scope.importer_name


def _row_digest(row: schema.CertificateRow) -> str:
    return row.content_sha256 or certificate_digest(certificate_from_credential(row.credential))


def _digest_matches(content: str, digest: str) -> bool:
    digest = digest.lower()
    return 16 <= len(digest) <= 64 and content.startswith(digest)


def _badge_status(report: VerificationReport, own: str | None) -> str:
    if own is not None:
        return own
    if report.valid:
        return "in force"
    validity = next((c for c in report.checks if c.name == "validity"), None)
    if validity is not None and validity.result == "fail" and "expired" in validity.reason:
        return "expired"
    return "not verified"


def _attr(value: str) -> str:
    return (
        value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )


def _trusted_view(row: schema.TrustedIssuer) -> TrustedIssuerView:
    keys: list[dict[str, Any]] = []
    certificates = 0
    for document in (row.document, row.jwks):
        if document is None:
            continue
        try:
            published = read_published(document)
        except InputError:
            continue
        for key in published.keys:
            if key.controller == row.did and all(k["id"] != key.id for k in keys):
                keys.append(
                    {
                        "id": key.id,
                        "created": None if key.created is None else key.created.isoformat(),
                        "retired": None if key.retired is None else key.retired.isoformat(),
                        "revoked": None if key.revoked is None else key.revoked.isoformat(),
                    }
                )
        certificates += sum(1 for issuer, _ in published.xml_certificates if issuer == row.did)
    return TrustedIssuerView(
        did=row.did,
        party=row.party,
        name=row.name,
        keys=keys,
        xml_certificates=certificates,
        document_sha256=row.document_sha256,
        source=row.source,
        state=row.state,
        changed_by=row.changed_by,
        created=row.created,
        updated=row.updated,
    )


def _peer_view(row: schema.ExchangePeer) -> PeerView:
    return PeerView(
        party=row.party,
        url=row.url,
        form=row.form,
        receiver=row.receiver,
        key_id=row.key_id,
        state=row.state,
        changed_by=row.changed_by,
        created=row.created,
        updated=row.updated,
    )


def _delivery_view(row: schema.OutboxRow, url: str | None) -> DeliveryView:
    pending = row.state in store.PENDING
    return DeliveryView(
        delivery_id=row.id,
        number=row.number,
        party=row.party,
        url=url,
        event=row.event,
        state=row.state,
        attempts=row.attempts,
        next_attempt=_aware(row.next_attempt) if pending else None,
        last_error=row.last_error,
        reason=row.reason,
        payload_sha256=row.payload_sha256,
        created=row.created,
        delivered=row.delivered,
        acknowledged=row.acknowledged,
        receipt=row.receipt,
    )


def _summary(row: schema.InboxRow) -> InboxSummaryView:
    return InboxSummaryView(
        record_id=row.id,
        number=row.number,
        sender=row.sender,
        exporting_party=row.exporting_party,
        issuer=row.issuer,
        verdict=row.verdict,
        accepted=row.accepted,
        status=row.status,
        appendix_flagged=row.appendix_flagged,
        rvc=row.rvc,
        hs_chapters=[c for c in row.hs_chapters.split(",") if c],
        received=row.received,
        updated=row.updated,
    )


def _record_view(row: schema.InboxRow) -> InboxRecordView:
    document = bytes(row.document)
    try:
        text, encoding = document.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = base64.b64encode(document).decode("ascii"), "base64"
    certificate = None
    if row.content_sha256 is not None and row.classification is not None:
        certificate = _certificate_of(document, row.form)
    return InboxRecordView(
        **_summary(row).model_dump(),
        form=row.form,
        sha256=row.sha256,
        content_sha256=row.content_sha256,
        reason=row.reason,
        checks=[CheckView.model_validate(c) for c in row.checks.get("checks", [])],
        classification=row.classification,
        certificate=certificate,
        events=list(row.events.get("events", [])),
        receipt=row.receipt,
        document=text,
        document_encoding=encoding,
    )


def _certificate_of(document: bytes, form: str) -> dict[str, Any] | None:
    """The certificate's public fields, from a document whose signature passed on arrival."""
    try:
        if form == "json":
            credential = json.loads(document)
        elif form == "jwt":
            credential = json.loads(b64url_decode(document.decode("ascii").strip().split(".")[1]))
        elif form == "xml":
            from rcep_origin.certificates.xml_form import certificate_from_xml

            return certificate_from_xml(document).model_dump(mode="json", exclude_none=True)
        else:
            return None
        return certificate_from_credential(credential).model_dump(mode="json", exclude_none=True)
    except (InputError, ValueError, IndexError, UnicodeDecodeError):
        return None
