"""Repository functions of the e-CO exchange (issue 20): the trust list, peers, the outbox, the
inbox, status notices and the status lists seen from peers. Each takes the caller's session, so
a use case's changes and its audit entries commit together or not at all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rcep_origin.store import schema
from rcep_origin.store.sql import now

ACTIVE, REMOVED = "active", "removed"
QUEUED, DELIVERED, ACKNOWLEDGED, REJECTED = "queued", "delivered", "acknowledged", "rejected"
PENDING = (QUEUED, DELIVERED)  # states the delivery worker still works on
FINAL = (ACKNOWLEDGED, REJECTED)


# --- trust list ----------------------------------------------------------------------------------


def trusted_issuers(
    session: Session, *, party: str | None = None, active: bool = True
) -> Sequence[schema.TrustedIssuer]:
    query = select(schema.TrustedIssuer).order_by(
        schema.TrustedIssuer.party, schema.TrustedIssuer.did
    )
    if party is not None:
        query = query.where(schema.TrustedIssuer.party == party)
    if active:
        query = query.where(schema.TrustedIssuer.state == ACTIVE)
    return session.execute(query).scalars().all()


def trusted_issuer(session: Session, did: str) -> schema.TrustedIssuer | None:
    return session.get(schema.TrustedIssuer, did, with_for_update=True)


# --- peers ---------------------------------------------------------------------------------------


def peers(session: Session, *, active: bool = True) -> Sequence[schema.ExchangePeer]:
    query = select(schema.ExchangePeer).order_by(schema.ExchangePeer.party)
    if active:
        query = query.where(schema.ExchangePeer.state == ACTIVE)
    return session.execute(query).scalars().all()


def peer(session: Session, party: str) -> schema.ExchangePeer | None:
    return session.get(schema.ExchangePeer, party)


# --- outbox --------------------------------------------------------------------------------------


def enqueue(
    session: Session,
    *,
    party: str,
    number: str,
    event: str,
    payload: bytes,
    media_type: str,
    payload_sha256: str,
) -> schema.OutboxRow:
    """One row per (Party, number, event, payload hash): queuing the same delivery again finds
    the row already there."""
    existing = session.execute(
        select(schema.OutboxRow).where(
            schema.OutboxRow.party == party,
            schema.OutboxRow.number == number,
            schema.OutboxRow.event == event,
            schema.OutboxRow.payload_sha256 == payload_sha256,
        )
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    at = now()
    row = schema.OutboxRow(
        party=party,
        number=number,
        event=event,
        payload=payload,
        media_type=media_type,
        payload_sha256=payload_sha256,
        state=QUEUED,
        attempts=0,
        next_attempt=at,
        lease_until=None,
        last_error=None,
        reason=None,
        receipt=None,
        created=at,
        delivered=None,
        acknowledged=None,
    )
    session.add(row)
    session.flush()
    return row


def deliveries(session: Session, number: str) -> Sequence[schema.OutboxRow]:
    return (
        session.execute(
            select(schema.OutboxRow)
            .where(schema.OutboxRow.number == number)
            .order_by(schema.OutboxRow.id)
        )
        .scalars()
        .all()
    )


def has_delivery(session: Session, party: str, number: str, event: str) -> bool:
    return (
        session.execute(
            select(schema.OutboxRow.id)
            .where(
                schema.OutboxRow.party == party,
                schema.OutboxRow.number == number,
                schema.OutboxRow.event == event,
            )
            .limit(1)
        ).first()
        is not None
    )


def due(session: Session, at: datetime, *, limit: int, ignore_schedule: bool = False) -> list[int]:
    """The rows the worker may take now, oldest first: pending, due, not leased to another
    worker, and not waiting behind an earlier row for the same Party and number (a status
    notice goes only after the certificate it is about)."""
    row = schema.OutboxRow
    query = (
        select(row.id, row.party, row.number)
        .where(row.state.in_(PENDING))
        .where(or_(row.lease_until.is_(None), row.lease_until < at))
        .order_by(row.id)
        .limit(limit * 4)
    )
    if not ignore_schedule:
        query = query.where(row.next_attempt <= at)
    ready = []
    for row_id, party, number in session.execute(query):
        earlier = session.execute(
            select(row.id)
            .where(row.party == party, row.number == number, row.id < row_id)
            .where(row.state.in_(PENDING))
            .limit(1)
        ).first()
        if earlier is None:
            ready.append(int(row_id))
        if len(ready) >= limit:
            break
    return ready


def lease(session: Session, row_id: int, at: datetime, until: datetime) -> bool:
    """Take a row for one attempt, unless another worker holds it (a conditional update: one
    of two workers wins; the other finds nothing to do)."""
    row = schema.OutboxRow
    result = session.execute(
        update(row)
        .where(row.id == row_id, row.state.in_(PENDING))
        .where(or_(row.lease_until.is_(None), row.lease_until < at))
        .values(lease_until=until)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def outbox_row(session: Session, row_id: int) -> schema.OutboxRow | None:
    return session.get(schema.OutboxRow, row_id)


def outbox_counts(session: Session) -> dict[str, int]:
    counts: dict[str, int] = {}
    for (state,) in session.execute(select(schema.OutboxRow.state)):
        counts[state] = counts.get(state, 0) + 1
    return counts


# --- inbox ---------------------------------------------------------------------------------------


def inbox_by_hash(session: Session, sender: str, sha256: str) -> schema.InboxRow | None:
    """What ``sender`` delivered before as these bytes (the same bytes: the same number)."""
    return session.execute(
        select(schema.InboxRow)
        .where(schema.InboxRow.sender == sender, schema.InboxRow.sha256 == sha256)
        .limit(1)
    ).scalar_one_or_none()


def add_inbox(session: Session, row: schema.InboxRow) -> schema.InboxRow:
    """Store a delivery; when a concurrent delivery of the same bytes won, its row."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
        return row
    except IntegrityError:
        existing = inbox_by_hash(session, row.sender, row.sha256)
        assert existing is not None
        return existing


@dataclass(frozen=True)
class InboxFilter:
    verdict: str | None = None
    party: str | None = None  # the exporting Party
    chapter: str | None = None  # two digits
    appendix: bool | None = None
    status: str | None = None
    number: str | None = None
    importer_name: str | None = None  # an importer reads the records naming it
    importer_identifier: str | None = None
    limit: int = 100
    offset: int = 0


def inbox(session: Session, where: InboxFilter) -> Sequence[schema.InboxRow]:
    row = schema.InboxRow
    query = select(row).order_by(row.received.desc(), row.id)
    if where.verdict is not None:
        query = query.where(row.verdict == where.verdict)
    if where.party is not None:
        query = query.where(row.exporting_party == where.party)
    if where.chapter is not None:
        query = query.where(row.hs_chapters.like(f"%,{where.chapter},%"))
    if where.appendix is not None:
        query = query.where(row.appendix_flagged == where.appendix)
    if where.status is not None:
        query = query.where(row.status == where.status)
    if where.number is not None:
        query = query.where(row.number == where.number)
    if where.importer_name is not None:
        # An importer: authentic certificates only, naming it by its identifier where both
        # have one, else by its registered name.
        named = row.importer_name == where.importer_name
        if where.importer_identifier is not None:
            named = or_(
                row.importer_identifier == where.importer_identifier,
                and_(row.importer_identifier.is_(None), named),
            )
        query = query.where(row.content_sha256.is_not(None), named)
    return session.execute(query.limit(where.limit).offset(where.offset)).scalars().all()


def inbox_record(session: Session, record_id: str, *, lock: bool = False) -> schema.InboxRow | None:
    return session.get(schema.InboxRow, record_id, with_for_update=lock)


def inbox_records_of(session: Session, number: str) -> Sequence[schema.InboxRow]:
    return (
        session.execute(
            select(schema.InboxRow)
            .where(schema.InboxRow.number == number)
            .order_by(schema.InboxRow.received)
            .with_for_update()
        )
        .scalars()
        .all()
    )


# --- status notices ------------------------------------------------------------------------------


def notice_by_hash(
    session: Session, sender: str, number: str, sha256: str
) -> schema.InboxNotice | None:
    return session.execute(
        select(schema.InboxNotice).where(
            schema.InboxNotice.sender == sender,
            schema.InboxNotice.number == number,
            schema.InboxNotice.sha256 == sha256,
        )
    ).scalar_one_or_none()


def add_notice(session: Session, row: schema.InboxNotice) -> schema.InboxNotice:
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
        return row
    except IntegrityError:
        existing = notice_by_hash(session, row.sender, row.number, row.sha256)
        assert existing is not None
        return existing


# --- status lists seen from peers ----------------------------------------------------------------


def peer_status_lists(session: Session, urls: Sequence[str]) -> dict[str, dict[str, Any]]:
    if not urls:
        return {}
    found = session.execute(
        select(schema.PeerStatusList).where(schema.PeerStatusList.url.in_(set(urls)))
    ).scalars()
    return {row.url: row.credential for row in found}


def remember_status_list(
    session: Session, url: str, issuer: str, valid_from: str, credential: dict[str, Any]
) -> bool:
    """Keep the list unless the one kept is newer (by the signed ``validFrom``; a tie, two
    changes within one second, goes to the list seen last)."""
    row = session.get(schema.PeerStatusList, url, with_for_update=True)
    if row is None:
        try:
            with session.begin_nested():
                session.add(
                    schema.PeerStatusList(
                        url=url,
                        issuer=issuer,
                        valid_from=valid_from,
                        credential=credential,
                        updated=now(),
                    )
                )
                session.flush()
            return True
        except IntegrityError:
            row = session.get(schema.PeerStatusList, url, with_for_update=True)
            assert row is not None
    if valid_from < row.valid_from or issuer != row.issuer:
        return False
    row.valid_from, row.credential, row.updated = valid_from, credential, now()
    session.flush()
    return True
