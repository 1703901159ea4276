"""The exporting side of the e-CO exchange (issue 20): peers, the transactional outbox and its
delivery worker. See ``_exchange`` for the whole exchange and how exactly-once is ensured.

Delivery is a pass over the rows due (``deliver_due``): each is leased (so two workers never
send one row at once), posted to the peer's inbox (or its notices), and settled: a receipt that
verifies against the peer's keys, for exactly the bytes sent, makes it ``acknowledged`` (or
``rejected``, with the peer's reason); anything else leaves it ``queued`` (no answer) or
``delivered`` (an answer that did not verify) for the next attempt, after an exponential
backoff. A pass is run by the service's worker thread (``DeliveryWorker``) as soon as a
delivery is queued in its process and every second otherwise, or by ``rcep-origin exchange
deliver``.
"""

from __future__ import annotations

import logging
import os
import random
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event

from rcep_origin.authority._core import EXPORTER, ISSUER, _Work
from rcep_origin.authority._errors import NotFound
from rcep_origin.authority._exchange_http import fetch_json, post
from rcep_origin.authority._exchange_records import (
    _canonical,
    _delivery_view,
    _describe,
    _is_receipt,
    _issuer_of,
    _payload,
    _peer_view,
    _published_keys,
    _sha256,
    _trust_of,
)
from rcep_origin.authority._exchange_views import (
    DeliveryPassView,
    DeliveryView,
    PeerInput,
    PeerView,
    StatusNotice,
)
from rcep_origin.authority._issuance import _Issuance
from rcep_origin.certificates.credential import (
    certificate_from_credential,
    status_entries,
)
from rcep_origin.certificates.issuer import IssuedCertificate
from rcep_origin.certificates.receipts import receipt_instant, verify_receipt
from rcep_origin.errors import InputError
from rcep_origin.parties import is_party
from rcep_origin.store import exchange as store
from rcep_origin.store import schema, sql

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("rcep_origin.exchange")

INBOX_PATH = "/v1/exchange/inbox"
NOTICES_PATH = "/v1/exchange/notices"
DELIVERY_TIMEOUT_SECONDS = 10.0  # a peer's inbox answers within a second; allow for a busy one
DID_FETCH_SECONDS = 5.0
LEASE_SECONDS = 60  # one attempt holds its row this long, so a crashed worker's row comes back
BACKOFF_BASE_SECONDS = 1.0
WORKER = "exchange-worker"  # the audit log's actor for what the delivery worker records
PEER_KEYS = Path("exchange") / "peers"  # in the home: the peers' API keys, one file each


def backoff_max_seconds() -> float:
    """The longest wait between two attempts (``RCEP_ORIGIN_EXCHANGE_MAX_BACKOFF``, 300 s)."""
    try:
        return max(0.1, float(os.environ.get("RCEP_ORIGIN_EXCHANGE_MAX_BACKOFF", "300")))
    except ValueError:
        return 300.0


def backoff(attempts: int) -> float:
    """Exponential backoff with jitter: 1 s, 2 s, 4 s, ... up to the maximum, +-20 %."""
    base = min(backoff_max_seconds(), BACKOFF_BASE_SECONDS * 2.0 ** max(0, attempts - 1))
    return base * random.uniform(0.8, 1.2)


class _Outbox(_Issuance):
    """Peers, the transactional outbox and delivery (see the module)."""

    # A test double for every HTTP call the exchange makes (httpx.MockTransport); None: the
    # network.
    exchange_transport: httpx.BaseTransport | None = None

    # -- the transactional outbox (hooks of _Issuance, inside its transaction) -------------

    def _on_issued(self, work: _Work, issued: Sequence[IssuedCertificate]) -> None:
        peers = {peer.party: peer for peer in store.peers(work.session)}
        queued = False
        for item in issued:
            peer = peers.get(item.certificate.importing_party)
            if peer is None:
                continue
            payload, media_type = _payload(item, peer.form)
            row = store.enqueue(
                work.session,
                party=peer.party,
                number=item.certificate.number,
                event="certificate",
                payload=payload,
                media_type=media_type,
                payload_sha256=_sha256(payload),
            )
            work.record(
                WORKER,
                "exchange.queue",
                item.certificate.number,
                {"party": peer.party, "event": "certificate", "sha256": row.payload_sha256},
            )
            queued = True
        if queued:
            self._wake_after_commit(work)

    def _on_status_changed(
        self, work: _Work, number: str, purpose: str, flagged: bool, reason: str
    ) -> None:
        row = work.session.get(schema.CertificateRow, number)
        if row is None:
            return
        certificate = certificate_from_credential(row.credential)
        peer = store.peer(work.session, certificate.importing_party)
        if peer is None or peer.state != store.ACTIVE:
            return
        if not store.has_delivery(work.session, peer.party, number, "certificate"):
            return  # the peer never had it (the peer was added later): nothing to follow
        change = purpose if flagged else "reinstatement"
        registry = self._register(work.session)
        lists = [
            registry.status_list_credential(e.list_url) for e in status_entries(row.credential)
        ]
        notice = StatusNotice.model_validate(
            {
                "number": number,
                "event": change,
                "reason": reason,
                "at": receipt_instant(self.clock()),
                "status_lists": [listing for listing in lists if listing is not None],
            }
        )
        payload = _canonical(notice.model_dump(mode="json"))
        store.enqueue(
            work.session,
            party=peer.party,
            number=number,
            event=change,
            payload=payload,
            media_type="application/json",
            payload_sha256=_sha256(payload),
        )
        work.record(
            WORKER,
            "exchange.queue",
            number,
            {"party": peer.party, "event": change, "sha256": _sha256(payload)},
        )
        self._wake_after_commit(work)

    def outbox_signal(self) -> threading.Event:
        """Set when a delivery was queued here (after its transaction committed): the delivery
        worker wakes at once instead of at its next poll."""
        found: threading.Event = self.__dict__.setdefault("_outbox_event", threading.Event())
        return found

    def _wake_after_commit(self, work: _Work) -> None:
        signal = self.outbox_signal()
        event.listen(work.session, "after_commit", lambda _session: signal.set(), once=True)

    # -- peers and deliveries (exporting side) ----------------------------------------------

    def peer_add(self, actor: sql.Principal, peer: PeerInput) -> PeerView:
        """Deliver this register's certificates for ``peer.party`` to that Party's customs. The
        key it gave is kept as a file in the home (mode 0600), never in the database."""
        self._issuing_body(actor)
        here = self.keystore.profile().country
        if not is_party(peer.party) or peer.party == here:
            raise InputError(
                "a peer is the customs of another RCEP Party (the importing Party)", path="party"
            )
        receiver = _issuer_of(peer.did_document, path="did_document")
        if not _published_keys(peer.did_document, receiver, "did_document"):
            raise InputError(
                f"{receiver} publishes no key to verify receipts with",
                path="did_document.verificationMethod",
            )
        key_id = peer.key.split(".")[0]
        self._save_peer_key(peer.party, peer.key)
        with self._work() as work:
            row = store.peer(work.session, peer.party)
            at = sql.now()
            if row is None:
                row = schema.ExchangePeer(party=peer.party, created=at)
                work.session.add(row)
            row.url, row.form, row.receiver = peer.url.rstrip("/"), peer.form, receiver
            row.receiver_document, row.key_id, row.state = peer.did_document, key_id, store.ACTIVE
            row.changed_by, row.updated = actor.actor, at
            work.session.flush()
            work.record(
                actor,
                "exchange.peer.add",
                peer.party,
                {"url": row.url, "receiver": receiver, "key_id": key_id, "form": peer.form},
            )
            return _peer_view(row)

    def peer_remove(self, actor: sql.Principal, party: str) -> PeerView:
        self._issuing_body(actor)
        with self._work() as work:
            row = store.peer(work.session, party)
            if row is None or row.state != store.ACTIVE:
                raise NotFound(f"No peer for {party}")
            row.state, row.changed_by, row.updated = store.REMOVED, actor.actor, sql.now()
            work.session.flush()
            work.record(actor, "exchange.peer.remove", party, {"url": row.url})
            return _peer_view(row)

    def peers(self, actor: sql.Principal) -> list[PeerView]:
        self._issuing_body(actor)
        with self._work(writes=False) as work:
            return [_peer_view(row) for row in store.peers(work.session, active=False)]

    def deliveries(self, actor: sql.Principal, number: str) -> list[DeliveryView]:
        """Where a certificate (and each change of its status) was delivered, and how it went."""
        self._require(actor, ISSUER, EXPORTER)
        with self._work(writes=False) as work:
            self._visible_certificate(work.session, actor, number)
            urls = {row.party: row.url for row in store.peers(work.session, active=False)}
            return [
                _delivery_view(row, urls.get(row.party))
                for row in store.deliveries(work.session, number)
            ]

    def _peer_key_file(self, party: str) -> Path:
        return self.keystore.home / PEER_KEYS / f"{party}.key"

    def _save_peer_key(self, party: str, key: str) -> None:
        path = self._peer_key_file(party)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = path.with_suffix(f".{secrets.token_hex(4)}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(key + "\n")
        temporary.replace(path)

    def _peer_key(self, party: str) -> str | None:
        try:
            return self._peer_key_file(party).read_text("ascii").strip() or None
        except OSError:
            return None

    # -- delivery --------------------------------------------------------------------------

    def deliver_now(self, actor: sql.Principal) -> DeliveryPassView:
        """A delivery pass over every pending row, whatever its backoff (the issuing body)."""
        self._issuing_body(actor)
        return self.deliver_due(ignore_schedule=True)

    def deliver_due(self, *, ignore_schedule: bool = False, limit: int = 20) -> DeliveryPassView:
        """One pass of the delivery worker: every row due (or, with ``ignore_schedule``, every
        row still pending) is leased, sent and settled. Safe to run from several processes at
        once: a leased row is skipped by the others."""
        at = sql.now()
        jobs: list[_Job] = []
        # Looked for first without writing: an idle worker never takes SQLite's write lock.
        with self._work(writes=False) as work:
            due = store.due(work.session, at, limit=limit, ignore_schedule=ignore_schedule)
        if not due:
            return DeliveryPassView(attempted=0, deliveries=[])
        with self._work() as work:
            for row_id in due:
                if not store.lease(work.session, row_id, at, at + timedelta(seconds=LEASE_SECONDS)):
                    continue
                row = store.outbox_row(work.session, row_id)
                assert row is not None
                peer = store.peer(work.session, row.party)
                jobs.append(_Job.of(row, peer))
        return DeliveryPassView(
            attempted=len(jobs), deliveries=[self._attempt(job) for job in jobs]
        )

    def _attempt(self, job: _Job) -> DeliveryView:
        key = None if job.peer is None else self._peer_key(job.party)
        answer_error: str | None = None
        receipt: dict[str, Any] | None = None
        if job.peer is None or job.peer.state != store.ACTIVE:
            answer_error = f"no active peer for {job.party}: 'rcep-origin exchange peer add'"
        elif key is None:
            answer_error = f"the API key of the peer for {job.party} is missing: add the peer again"
        else:
            path = INBOX_PATH if job.event == "certificate" else NOTICES_PATH
            answer = post(
                job.peer.url + path,
                job.payload,
                headers={
                    "Authorization": f"Bearer {key}",
                    "Content-Type": job.media_type,
                    "Accept": "application/json",
                },
                timeout=DELIVERY_TIMEOUT_SECONDS,
                transport=self.exchange_transport,
            )
            if answer.error is not None:
                answer_error = answer.error
            elif answer.status in (200, 201, 422) and _is_receipt(answer.body):
                receipt = answer.body
            else:
                answer_error = _describe(answer.status, answer.body)
        verified = None if receipt is None else self._check_receipt(job, receipt)
        return self._settle(job, receipt, verified, answer_error)

    def _check_receipt(self, job: _Job, receipt: dict[str, Any]) -> str | None:
        """None when the receipt is the peer's, signed in its key's lifetime, for exactly what
        was sent; else why not. A key the pinned did.json lacks (the peer rotated) is looked up
        once in the did.json the peer publishes now, under the same DID."""
        assert job.peer is not None
        if receipt.get("sha256") != job.payload_sha256:
            return "the receipt is for other bytes than were sent"
        if receipt.get("number") != job.number:
            return f"the receipt is for {receipt.get('number')!r}, not {job.number}"
        kind = "certificate" if job.event == "certificate" else "status-notice"
        if receipt.get("kind") != kind:
            return f"the receipt is for a {receipt.get('kind')!r}, not a {kind}"
        check = verify_receipt(receipt, _trust_of(job.peer.receiver_document), job.peer.receiver)
        if not check.valid and "is not a known key" in check.reason:
            refreshed = self._refresh_peer_keys(job)
            if refreshed is not None:
                check = verify_receipt(receipt, _trust_of(refreshed), job.peer.receiver)
        return None if check.valid else f"the receipt does not verify: {check.reason}"

    def _refresh_peer_keys(self, job: _Job) -> dict[str, Any] | None:
        assert job.peer is not None
        document = fetch_json(
            job.peer.url + "/.well-known/did.json",
            DID_FETCH_SECONDS,
            transport=self.exchange_transport,
        )
        if document is None or document.get("id") != job.peer.receiver:
            return None
        try:
            _published_keys(document, job.peer.receiver, "did_document")
        except InputError:
            return None
        with self._work() as work:
            row = store.peer(work.session, job.party)
            if row is not None and row.receiver == job.peer.receiver:
                row.receiver_document, row.updated = document, sql.now()
                work.record(
                    WORKER,
                    "exchange.peer.keys",
                    job.party,
                    {"sha256": _sha256(_canonical(document))},
                )
        return document

    def _settle(
        self,
        job: _Job,
        receipt: dict[str, Any] | None,
        problem: str | None,
        answer_error: str | None,
    ) -> DeliveryView:
        at = sql.now()
        with self._work() as work:
            row = store.outbox_row(work.session, job.row_id)
            assert row is not None
            row.lease_until = None
            row.attempts += 1
            if receipt is not None:
                row.receipt = receipt
                row.delivered = row.delivered or at
            if receipt is not None and problem is None:
                accepted = bool(receipt.get("accepted"))
                row.state = store.ACKNOWLEDGED if accepted else store.REJECTED
                row.acknowledged, row.last_error = at, None
                row.reason = None if accepted else str(receipt.get("reason", ""))
                work.record(
                    WORKER,
                    f"exchange.{row.state}",
                    row.number,
                    {
                        "party": row.party,
                        "event": row.event,
                        "sha256": row.payload_sha256,
                        "receipt": receipt.get("receipt_id"),
                        "verdict": receipt.get("verdict"),
                    },
                )
            else:
                # Sent again later: the peer keeps one record per (number, hash), so a retry
                # after a lost or unverifiable answer gets the same receipt back.
                row.state = store.DELIVERED if receipt is not None else store.QUEUED
                row.last_error = problem or answer_error
                row.next_attempt = at + timedelta(seconds=backoff(row.attempts))
            work.session.flush()
            return _delivery_view(row, None if job.peer is None else job.peer.url)


# --- delivery jobs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _PeerCopy:
    url: str
    receiver: str
    receiver_document: dict[str, Any]
    state: str


@dataclass(frozen=True)
class _Job:
    """One leased row, copied out of its transaction."""

    row_id: int
    party: str
    number: str
    event: str
    payload: bytes
    media_type: str
    payload_sha256: str
    peer: _PeerCopy | None

    @classmethod
    def of(cls, row: schema.OutboxRow, peer: schema.ExchangePeer | None) -> _Job:
        return cls(
            row.id,
            row.party,
            row.number,
            row.event,
            bytes(row.payload),
            row.media_type,
            row.payload_sha256,
            None
            if peer is None
            else _PeerCopy(peer.url, peer.receiver, dict(peer.receiver_document), peer.state),
        )


class DeliveryWorker:
    """The delivery worker of a running service: a daemon thread that runs a pass of
    ``deliver_due`` whenever a delivery is queued in this process, and otherwise every
    ``interval`` seconds (``RCEP_ORIGIN_EXCHANGE_INTERVAL``, 1 s), so deliveries queued by the
    CLI or another process leave within a second too. ``RCEP_ORIGIN_EXCHANGE_WORKER=0`` turns it
    off (then ``rcep-origin exchange deliver`` runs passes)."""

    def __init__(self, authority: _Outbox, *, interval: float | None = None) -> None:
        self.authority = authority
        if interval is None:
            try:
                interval = float(os.environ.get("RCEP_ORIGIN_EXCHANGE_INTERVAL", "1"))
            except ValueError:
                interval = 1.0
        self.interval = max(0.05, interval)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @staticmethod
    def enabled() -> bool:
        return os.environ.get("RCEP_ORIGIN_EXCHANGE_WORKER", "1") not in ("0", "false", "no")

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="rcep-exchange", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        self.authority.outbox_signal().set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        signal = self.authority.outbox_signal()
        while not self._stop.is_set():
            signal.clear()
            busy = False
            try:
                busy = self.authority.deliver_due().attempted > 0
            except Exception:  # a pass that fails is logged and the next one tries again
                log.exception("delivery pass failed")
            if not busy:
                signal.wait(self.interval)
