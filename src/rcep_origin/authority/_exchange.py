"""Use cases of the e-CO exchange between two deployments (issue 20, seed 002): the exporting
Party's issuing body delivers its certificates to the importing Party's customs, which verifies
and classifies each on arrival and answers with a signed receipt.

Importing side (customs):

- the **trust list**: the issuing bodies of other Parties whose certificates the inbox accepts,
  each by its published ``did.json`` (``trust_add`` / ``trust_remove``, every change audited);
- the **inbox** (``receive``): a delivery in any form from an authenticated issuing body of
  another Party is verified at once against the trust list of that Party (signature, key
  lifetime, validity, status -- the list fetched from its issuer with a short timeout, else the
  newest kept -- and who sent it for whom), classified (``certificates.classification``), stored
  and answered with a receipt signed by this register's key: 201 accepted, 422 refused (a
  negative receipt), 200 the same receipt again for the same bytes;
- **status notices** (``receive_notice``): a revocation, suspension or reinstatement of a
  certificate received before; the record is verified again and follows;
- customs (``verifier`` of this Party) and the administrator list and read the records; an
  importer (a trader registered here) reads the records of authentic certificates naming it.

Exporting side (issuing body):

- **peers**: the importing Party's customs to deliver to (URL, the API key it gave, its
  ``did.json`` to verify its receipts);
- the **transactional outbox**: ``_on_issued`` and ``_on_status_changed`` (hooks of
  ``_Issuance``) write a row in the issuance's or status change's own transaction, so a
  certificate is queued if and only if it is issued;
- **delivery** (``deliver_due``, one pass; ``DeliveryWorker`` runs passes in the service): rows
  due are leased, posted, and retried with exponential backoff until the peer answers with a
  receipt that verifies against its keys (acknowledged, or rejected with its reason).

Exactly once: delivery is at least once (a row is sent until its receipt verifies) and the inbox
is idempotent by (number, SHA-256 of the bytes): a repeated delivery finds its record and gets the
same receipt, so a certificate is recorded once however often it is sent. A status notice leaves
only after the rows before it for the same certificate are settled, so it never arrives first.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from rcep_origin.authority._core import EXPORTER, ISSUER, VERIFIER, _new_id
from rcep_origin.authority._errors import Conflict, Forbidden, NotFound, Unavailable
from rcep_origin.authority._exchange_http import fetch_json
from rcep_origin.authority._exchange_records import (
    _apply,
    _Assessment,
    _attr,
    _badge_status,
    _canonical,
    _content_digest,
    _digest_matches,
    _inbox_row,
    _issuer_of,
    _names,
    _published_keys,
    _receipt_reason,
    _record_view,
    _replay,
    _row_digest,
    _sha256,
    _status,
    _summary,
    _trusted_view,
)
from rcep_origin.authority._exchange_views import (
    STATUS_ZH,
    BadgeView,
    EmbedView,
    InboxQuery,
    InboxRecordView,
    InboxSummaryView,
    ReceiptView,
    StatusNotice,
    TrustedIssuerView,
    TrustInput,
    say,
)
from rcep_origin.authority._outbox import _Outbox
from rcep_origin.authority._views import CheckView, Outcome
from rcep_origin.certificates.classification import classify
from rcep_origin.certificates.credential import (
    certificate_from_credential,
    status_entries,
)
from rcep_origin.certificates.keys import read_published
from rcep_origin.certificates.receipts import receipt_instant, sign_receipt
from rcep_origin.certificates.status_list import Bitstring
from rcep_origin.certificates.verification import (
    TrustStore,
    VerificationReport,
    verify_document,
)
from rcep_origin.errors import InputError
from rcep_origin.parties import is_party
from rcep_origin.store import exchange as store
from rcep_origin.store import schema, sql
from rcep_origin.store.key_protection import KeyProtectionError
from rcep_origin.store.keystore import StoreError

if TYPE_CHECKING:
    pass

log = logging.getLogger("rcep_origin.exchange")

# A receipt is due within a second: a status list gets at most this long from its issuer, all
# lists of one delivery together 1.5 times as long; then the newest kept one is used.
# RCEP_ORIGIN_EXCHANGE_STATUS_TIMEOUT changes it (a link known to be slow; tests under load).
STATUS_FETCH_SECONDS = 0.4


def status_fetch_seconds() -> float:
    try:
        value = float(os.environ.get("RCEP_ORIGIN_EXCHANGE_STATUS_TIMEOUT", "0.4"))
    except ValueError:
        return STATUS_FETCH_SECONDS
    return value if value > 0 else STATUS_FETCH_SECONDS


class _PeerStatus:
    """The status lists of a received certificate: from its issuer over HTTP (a short timeout,
    a budget for all of them), else from a status notice, else the newest this register kept."""

    def __init__(
        self,
        authority: _Exchange,
        *,
        carried: dict[str, dict[str, Any]] | None = None,
        fetch: bool = True,
    ) -> None:
        self._authority = authority
        self._carried = carried or {}
        self._fetch = fetch
        self._timeout = status_fetch_seconds()
        self._deadline = time.monotonic() + 1.5 * self._timeout
        self.used: dict[str, dict[str, Any]] = {}
        self.fetched: set[str] = set()

    def status_list_credential(self, url: str) -> dict[str, Any] | None:
        if url in self.used:
            return self.used[url]
        listing = None
        if self._fetch:
            remaining = min(self._timeout, self._deadline - time.monotonic())
            listing = fetch_json(url, remaining, transport=self._authority.exchange_transport)
            if listing is not None:
                self.fetched.add(url)
        if listing is None:
            listing = self._carried.get(url) or self._kept(url)
        if listing is not None:
            self.used[url] = listing
        return listing

    def _kept(self, url: str) -> dict[str, Any] | None:
        with self._authority._work(writes=False) as work:
            return store.peer_status_lists(work.session, [url]).get(url)


class _Exchange(_Outbox):
    """The exchange's use cases (see the module): the trust list, the inbox and status notices,
    and the badges of product pages; the outbox and its delivery come from ``_Outbox``."""

    if TYPE_CHECKING:  # the online verification of ``Authority``, which the badge shows

        def verify_number(self, number: str) -> VerificationReport: ...

    # -- the trust list (importing side) ---------------------------------------------------

    def trust_list(
        self, actor: sql.Principal, *, include_removed: bool = False
    ) -> list[TrustedIssuerView]:
        self._customs_or_administrator(actor)
        with self._work(writes=False) as work:
            rows = store.trusted_issuers(work.session, active=not include_removed)
            return [_trusted_view(row) for row in rows]

    def trust_add(self, actor: sql.Principal, entry: TrustInput) -> TrustedIssuerView:
        """Accept an issuing body of another Party by its published ``did.json``; adding it
        again replaces its documents (after a key rotation or revocation)."""
        self._issuing_body(actor)
        here = self.keystore.profile().country
        if not is_party(entry.party):
            raise InputError(f"{entry.party!r} is not an RCEP Party", path="party")
        if entry.party == here:
            raise InputError(
                "the trust list names issuing bodies of other Parties; this register is "
                f"{here}'s own",
                path="party",
            )
        did = _issuer_of(entry.document)
        keys = _published_keys(entry.document, did, "document")
        if entry.jwks is not None:
            keys += _published_keys(entry.jwks, did, "jwks")
        if not keys:
            raise InputError(f"{did} publishes no signing key", path="document.verificationMethod")
        digest = _sha256(_canonical([entry.document, entry.jwks]))
        with self._work() as work:
            row = store.trusted_issuer(work.session, did)
            at = sql.now()
            if row is not None and row.party != entry.party and row.state == store.ACTIVE:
                raise Conflict(
                    f"{did} is trusted as an issuing body of {row.party}",
                    "remove it first to trust it for another Party",
                    kind="already-exists",
                )
            action = "exchange.trust.add" if row is None else "exchange.trust.update"
            if row is None:
                row = schema.TrustedIssuer(did=did, created=at)
                work.session.add(row)
            name = entry.document.get("name")
            row.party, row.name = entry.party, name if isinstance(name, str) else None
            row.document, row.jwks, row.document_sha256 = entry.document, entry.jwks, digest
            row.source, row.state, row.changed_by, row.updated = (
                entry.source,
                store.ACTIVE,
                actor.actor,
                at,
            )
            work.session.flush()
            work.record(
                actor,
                action,
                did,
                {"party": entry.party, "document_sha256": digest, "source": entry.source},
            )
            return _trusted_view(row)

    def trust_remove(self, actor: sql.Principal, did: str) -> TrustedIssuerView:
        self._issuing_body(actor)
        with self._work() as work:
            row = store.trusted_issuer(work.session, did)
            if row is None or row.state != store.ACTIVE:
                raise NotFound(f"{did} is not on the trust list")
            row.state, row.changed_by, row.updated = store.REMOVED, actor.actor, sql.now()
            work.session.flush()
            work.record(actor, "exchange.trust.remove", did, {"party": row.party})
            return _trusted_view(row)

    def _party_trust(self, session: Session, party: str) -> TrustStore:
        """The keys of the issuing bodies trusted for ``party``, rebuilt only when the trust
        list changes (a TrustStore also remembers verified proofs and status lists)."""
        rows = store.trusted_issuers(session, party=party)
        stamp = tuple((row.did, row.document_sha256) for row in rows)
        cache: dict[str, tuple[Any, TrustStore]] = self.__dict__.setdefault("_trust_lists", {})
        found = cache.get(party)
        if found is not None and found[0] == stamp:
            return found[1]
        trust = TrustStore()
        for row in rows:
            for document in (row.document, row.jwks):
                if document is None:
                    continue
                published = read_published(document)
                for key in published.keys:
                    if key.controller == row.did:  # a document vouches for its own DID only
                        trust.keys.merge(key)
                for issuer, certificate in published.xml_certificates:
                    if issuer == row.did:
                        trust.add_xml_certificate(issuer, certificate)
        cache[party] = (stamp, trust)
        return trust

    def _customs_or_administrator(self, actor: sql.Principal) -> str:
        here = self.keystore.profile().country
        self._require(actor, VERIFIER, ISSUER)
        if actor.party != here:
            raise Forbidden(
                "Only this Party's customs and issuing body read the exchange",
                f"this register is {here}'s; the caller is of {actor.party}",
            )
        return here

    # -- the inbox (importing side) ---------------------------------------------------------

    def _inbox_sender(self, actor: sql.Principal) -> str:
        self._require(actor, ISSUER)
        here = self.keystore.profile().country
        if actor.party == here:
            raise Forbidden(
                "The inbox takes deliveries from issuing bodies of other Parties",
                f"this register is {here}'s; the caller is an issuing body of {here}",
            )
        return here

    def receive(self, actor: sql.Principal, data: bytes) -> Outcome[ReceiptView]:
        """A certificate delivered by an issuing body of another Party, in any form: verified
        at once, classified, stored, and answered with a signed receipt (201 accepted, 422
        refused; the same bytes again get the same receipt)."""
        here = self._inbox_sender(actor)
        digest = _sha256(data)
        with self._work(writes=False) as work:
            found = store.inbox_by_hash(work.session, actor.organisation_id, digest)
            if found is not None:
                return _replay(found.receipt)
            trust = self._party_trust(work.session, actor.party)
        # Verified outside any transaction: it may wait (briefly) for the issuer's status lists.
        now = self.clock()
        source = _PeerStatus(self)
        report = verify_document(data, trust, source, now=now)
        assessment = self._assess(data, report, source, sender=actor.party, here=here, now=now)
        english, chinese = _receipt_reason(assessment)
        with self._work() as work:
            found = store.inbox_by_hash(work.session, actor.organisation_id, digest)
            if found is not None:
                return _replay(found.receipt)
            receipt = self._sign(
                kind="certificate",
                number=assessment.number or None,
                sha256=digest,
                content_sha256=_content_digest(assessment),
                verdict=assessment.verdict,
                accepted=assessment.accepted,
                reason=english,
                reason_zh=chinese,
                sender=actor.organisation_id,
                at=now,
            )
            row = _inbox_row(assessment, data, digest, actor, receipt, now)
            stored = store.add_inbox(work.session, row)
            if stored is not row:  # a concurrent delivery of the same bytes was first
                return _replay(stored.receipt)
            self._keep_lists(work.session, assessment)
            work.record(
                actor,
                "exchange.receive",
                assessment.number or digest,
                {
                    "record": row.id,
                    "sha256": digest,
                    "verdict": assessment.verdict,
                    "accepted": assessment.accepted,
                    "receipt": receipt["receipt_id"],
                },
            )
        return Outcome[ReceiptView](
            view=ReceiptView.model_validate(receipt),
            status=201 if assessment.accepted else 422,
        )

    def receive_notice(
        self, actor: sql.Principal, raw: bytes, notice: StatusNotice
    ) -> Outcome[ReceiptView]:
        """A revocation, suspension or reinstatement of a certificate received before: each
        record of it is verified again (the status lists fetched from the issuer, else those the
        notice carries, signed by the issuer) and follows; the notice gets a signed receipt."""
        here = self._inbox_sender(actor)
        digest = _sha256(raw)
        with self._work(writes=False) as work:
            found = store.notice_by_hash(work.session, actor.organisation_id, notice.number, digest)
            if found is not None:
                return _replay(found.receipt)
            records = [
                (row.id, row.document)
                for row in store.inbox(work.session, store.InboxFilter(number=notice.number))
                if row.sender_party == actor.party
            ]
            trust = self._party_trust(work.session, actor.party)
        if not records:
            raise NotFound(
                f"No certificate {notice.number} was received from an issuing body of "
                f"{actor.party}",
                "deliver the certificate first; the notice can then be delivered again",
            )
        carried = {
            str(listing["id"]): listing
            for listing in notice.status_lists
            if isinstance(listing.get("id"), str)
        }
        now = self.clock()
        results: list[tuple[str, _Assessment]] = []
        for record_id, document in records:
            source = _PeerStatus(self, carried=carried)
            report = verify_document(document, trust, source, now=now)
            results.append(
                (
                    record_id,
                    self._assess(document, report, source, sender=actor.party, here=here, now=now),
                )
            )
        # The record the receipt speaks for: the newest authentic one, else the newest.
        main = next((a for _, a in reversed(results) if a.authentic), results[-1][1])
        english, chinese = say(
            "notice-applied", event=notice.event, number=notice.number, verdict=main.verdict
        )
        with self._work() as work:
            found = store.notice_by_hash(work.session, actor.organisation_id, notice.number, digest)
            if found is not None:
                return _replay(found.receipt)
            for record_id, assessment in results:
                row = store.inbox_record(work.session, record_id, lock=True)
                assert row is not None
                _apply(row, assessment, notice, now)
                self._keep_lists(work.session, assessment)
            receipt = self._sign(
                kind="status-notice",
                number=notice.number,
                sha256=digest,
                content_sha256=_content_digest(main),
                verdict=main.verdict,
                accepted=True,
                reason=english,
                reason_zh=chinese,
                sender=actor.organisation_id,
                at=now,
            )
            notice_id = _new_id("ntc")
            stored = store.add_notice(
                work.session,
                schema.InboxNotice(
                    id=notice_id,
                    sender=actor.organisation_id,
                    number=notice.number,
                    sha256=digest,
                    event=notice.event,
                    notice=notice.model_dump(mode="json"),
                    receipt=receipt,
                    received=now,
                ),
            )
            if stored.id != notice_id:  # a concurrent delivery of the same notice was first
                return _replay(stored.receipt)
            work.record(
                actor,
                "exchange.notice",
                notice.number,
                {"event": notice.event, "sha256": digest, "verdict": main.verdict},
            )
        return Outcome[ReceiptView](view=ReceiptView.model_validate(receipt), status=201)

    def _assess(
        self,
        data: bytes,
        report: VerificationReport,
        source: _PeerStatus,
        *,
        sender: str,
        here: str,
        now: datetime,
    ) -> _Assessment:
        checks = [CheckView(name=c.name, result=c.result, reason=c.reason) for c in report.checks]
        certificate = report.certificate
        authentic = any(c.name == "signature" and c.result == "pass" for c in report.checks)
        if certificate is not None and authentic:
            issuing = certificate.issuing_body.country
            checks.append(
                CheckView(
                    name="sender",
                    result="pass" if issuing == sender else "fail",
                    reason=say("sender-ok", party=issuing)[0]
                    if issuing == sender
                    else say("sender-other", sender=sender, party=issuing)[0],
                )
            )
            importing = certificate.importing_party
            checks.append(
                CheckView(
                    name="destination",
                    result="pass" if importing == here else "fail",
                    reason=say("destination-ok", party=here)[0]
                    if importing == here
                    else say("destination-other", importing=importing, party=here)[0],
                )
            )
        results = {check.result for check in checks}
        verdict = (
            "invalid" if "fail" in results else "indeterminate" if "unknown" in results else "valid"
        )
        failing = [f"{c.name}: {c.reason}" for c in checks if c.result != "pass"]
        classification = None
        if certificate is not None and authentic:
            classification = classify(certificate, self.ruleset, on=now.date()).to_dict()
        return _Assessment(
            form=report.form,
            number=certificate.number if certificate is not None else "",
            certificate=certificate,
            authentic=authentic,
            checks=checks,
            verdict=verdict,
            reason="; ".join(failing) or "all checks passed",
            status=_status(report, data, source.used),
            classification=classification,
            lists={url: source.used[url] for url in source.used},
        )

    def _keep_lists(self, session: Session, assessment: _Assessment) -> None:
        """Keep the status lists a verification used, so the newest of each is at hand when its
        issuer is not. A list's signature is checked each time it is used, never here."""
        certificate = assessment.certificate
        if certificate is None or not assessment.authentic:
            return
        for url, listing in assessment.lists.items():
            issuer, valid_from = listing.get("issuer"), listing.get("validFrom")
            if issuer == certificate.issuing_body.id and isinstance(valid_from, str):
                store.remember_status_list(session, url, issuer, valid_from[:40], listing)

    def _sign(self, **fields: Any) -> dict[str, Any]:
        at: datetime = fields.pop("at")
        try:
            signer = self.keystore.current_signer()
        except (StoreError, KeyProtectionError) as exc:
            raise Unavailable(
                "This register cannot sign receipts now",
                str(exc),
                kind="signing-key-unavailable",
            ) from None
        return sign_receipt(
            {
                **fields,
                "receipt_id": _new_id("rct"),
                "receiver": self.keystore.profile().did,
                "received": receipt_instant(at),
            },
            signer,
            at,
        )

    def inbox(
        self, actor: sql.Principal, query: InboxQuery | None = None
    ) -> list[InboxSummaryView]:
        query = query or InboxQuery()
        with self._work(writes=False) as work:
            where = self._inbox_scope(work.session, actor, store.InboxFilter(**query.model_dump()))
            return [_summary(row) for row in store.inbox(work.session, where)]

    def inbox_record(self, actor: sql.Principal, record_id: str) -> InboxRecordView:
        with self._work(writes=False) as work:
            row = store.inbox_record(work.session, record_id)
            if row is None:
                raise NotFound("No such inbox record")
            scope = self._inbox_scope(work.session, actor, store.InboxFilter())
            if scope.importer_name is not None and not _names(row, scope):
                raise NotFound("No such inbox record")
            return _record_view(row)

    def _inbox_scope(
        self, session: Session, actor: sql.Principal, where: store.InboxFilter
    ) -> store.InboxFilter:
        """Customs and the administrator read every record; a trader of this Party (an
        importer) reads the records of authentic certificates naming it, by its registered
        identity -- as an exporter is named on a certificate by its own."""
        here = self.keystore.profile().country
        if actor.role in (VERIFIER, ISSUER):
            self._customs_or_administrator(actor)
            return where
        self._require(actor, EXPORTER)
        organisation = session.get(schema.Organisation, actor.organisation_id)
        if organisation is None or organisation.party != here:
            raise Forbidden(
                "Only importers of this Party read the inbox",
                f"this register is {here}'s; the caller is of {actor.party}",
            )
        return replace(
            where, importer_name=organisation.name, importer_identifier=organisation.identifier
        )

    # -- product pages ---------------------------------------------------------------------

    def badge(self, number: str, digest: str) -> BadgeView:
        """The live status of a certificate issued here, for a badge on a product page. The
        link carries the certificate's digest: another certificate's number with it is not
        found, so a page cannot show a badge that is not its own."""
        with self._work(writes=False) as work:
            row = work.session.get(schema.CertificateRow, number)
            content = None if row is None else _row_digest(row)
        if content is None or not _digest_matches(content, digest):
            raise NotFound("No such certificate", "the number and the hash do not match")
        report = self.verify_number(number)
        status = _badge_status(report, self._own_status(number))
        return BadgeView(
            number=number,
            status=status,
            label="RCEP origin: " + status,
            label_zh="RCEP 原产地：" + STATUS_ZH.get(status, status),
        )

    def _own_status(self, number: str) -> str | None:
        """``revoked`` or ``suspended`` from this register's own bits, else None."""
        with self._work(writes=False) as work:
            row = work.session.get(schema.CertificateRow, number)
            if row is None:
                return None
            flags: dict[str, bool] = {}
            for entry in status_entries(row.credential):
                listing = work.session.get(schema.StatusListRow, entry.list_url.rsplit("/", 1)[-1])
                if listing is not None:
                    bits = Bitstring(bits=bytearray(listing.bits))
                    flags[entry.purpose] = 0 <= entry.index < bits.size and bits.get(entry.index)
        if flags.get("revocation"):
            return "revoked"
        if flags.get("suspension"):
            return "suspended"
        return None

    def embed(self, actor: sql.Principal, number: str) -> EmbedView:
        """What an exporter embeds on a product page: a link to the verification page and a
        badge, both carrying the certificate's digest, and a JSON-LD snippet (schema.org)."""
        self._require(actor, EXPORTER, ISSUER)
        with self._work(writes=False) as work:
            row = self._visible_certificate(work.session, actor, number)
            certificate = certificate_from_credential(row.credential)
            digest = _row_digest(row)
        link = self.keystore.profile().verify_link(number)
        verify_url = f"{link}?h={digest}"
        badge_url = f"{link}/badge.svg?h={digest}"
        jsonld = {
            "@context": "https://schema.org",
            "@type": "Certification",
            "name": f"RCEP Certificate of Origin {number}",
            "certificationIdentification": number,
            "issuedBy": {
                "@type": "Organization",
                "name": certificate.issuing_body.name,
                "identifier": certificate.issuing_body.id,
            },
            "validFrom": certificate.issue_date.isoformat(),
            "expires": certificate.valid_until.isoformat(),
            "url": verify_url,
            "image": badge_url,
        }
        alt = f"RCEP certificate of origin {number}"
        script = json.dumps(jsonld, ensure_ascii=False, indent=2).replace("</", "<\\/")
        html = (
            f'<a href="{_attr(verify_url)}"><img src="{_attr(badge_url)}" alt="{_attr(alt)}" '
            f'height="20"></a>\n<script type="application/ld+json">\n{script}\n</script>'
        )
        return EmbedView(
            number=number,
            content_sha256=digest,
            verify_url=verify_url,
            badge_url=badge_url,
            html=html,
            jsonld=jsonld,
        )
