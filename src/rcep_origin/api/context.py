"""What every request handler needs: the database, the issuing body, the verifier's trust, the
caller's identity, and idempotent replay of creating calls."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from rcep_origin.api.problems import Problem
from rcep_origin.api.settings import Settings
from rcep_origin.certificates.issuer import Issuer
from rcep_origin.certificates.keys import did_document, jwks
from rcep_origin.certificates.verification import TrustStore
from rcep_origin.store import sql
from rcep_origin.store.database import Database
from rcep_origin.store.keystore import FileKeystore, StoreError


@dataclass
class Services:
    settings: Settings
    database: Database
    keystore: FileKeystore
    trust: TrustStore = field(default_factory=TrustStore)
    _published: tuple[float, dict[str, Any], dict[str, Any]] | None = None

    def published_keys(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The DID document and JWKS, re-read only when keys.json changes (a rotation)."""
        stamp = (self.keystore.keys_dir / "keys.json").stat().st_mtime
        if self._published is None or self._published[0] != stamp:
            did = did_document(self.keystore.profile().did, list(self.keystore.keyring()))
            self._published = (stamp, did, jwks(list(self.keystore.keyring())))
        return self._published[1], self._published[2]

    def issuer(
        self, session: Session, *, request_id: str | None = None, exporter_id: str | None = None
    ) -> Issuer:
        registry = sql.SqlRegistry(session, request_id=request_id, exporter_id=exporter_id)
        return Issuer(
            self.keystore.profile(),
            self.keystore.current_signer(),
            registry,
            xml_signer=self.keystore.xml_signer(),
        )


def build_trust(keystore: FileKeystore, extra: tuple[Any, ...]) -> TrustStore:
    trust = TrustStore()
    for home in (keystore.home, *extra):
        store = FileKeystore(home)
        try:
            did = store.profile().did
        except StoreError:
            continue
        for key in store.keyring():
            trust.keys.add(key)
        trust.xml_certificates.setdefault(did, []).extend(store.xml_certificates())
    return trust


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


def session(request: Request) -> Iterator[Session]:
    with services(request).database.session() as unit_of_work:
        yield unit_of_work


def principal(
    request: Request,
    db: Session = Depends(session, scope="function"),
    authorization: str | None = Header(default=None),
    x_api_key: str | None = Header(default=None),
) -> sql.Principal:
    token = x_api_key or (authorization.removeprefix("Bearer ").strip() if authorization else None)
    if not token:
        raise Problem(
            401, "unauthenticated", "An API key is required", "Send 'Authorization: Bearer <key>'."
        )
    found = sql.authenticate(db, token)
    if found is None:
        raise Problem(401, "unauthenticated", "The API key is not valid")
    request.state.actor = found.actor
    return found


def require(*roles: str) -> Callable[[sql.Principal], sql.Principal]:
    def check(who: sql.Principal = Depends(principal)) -> sql.Principal:
        if who.role not in roles:
            raise Problem(
                403,
                "forbidden",
                "Not allowed for this role",
                f"requires the role {' or '.join(roles)}; the caller is {who.role}",
            )
        return who

    return check


@dataclass
class Idempotency:
    """Replays the stored answer to a retried creating call (same key, same body) and refuses
    a key reused for a different body."""

    key: str | None
    request_sha256: str
    stored: JSONResponse | None

    def remember(
        self, db: Session, who: sql.Principal, status_code: int, body: dict[str, Any]
    ) -> None:
        if self.key is not None:
            sql.remember_response(
                db, who.organisation_id, self.key, self.request_sha256, status_code, body
            )


async def idempotency(
    request: Request,
    db: Session = Depends(session, scope="function"),
    who: sql.Principal = Depends(principal),
    idempotency_key: str | None = Header(default=None, max_length=200),
) -> Idempotency:
    body = await request.body()
    digest = hashlib.sha256(request.url.path.encode() + b"\0" + body).hexdigest()
    if idempotency_key is None:
        return Idempotency(None, digest, None)
    record = sql.idempotent_response(db, who.organisation_id, idempotency_key)
    if record is None:
        return Idempotency(idempotency_key, digest, None)
    if record.request_sha256 != digest:
        raise Problem(
            409, "idempotency-key-reused", "This Idempotency-Key was used for another request"
        )
    return Idempotency(
        idempotency_key,
        digest,
        JSONResponse(
            record.response, status_code=record.status_code, headers={"Idempotent-Replay": "true"}
        ),
    )


def json_body(raw: bytes) -> Any:
    try:
        return json.loads(raw, parse_float=Decimal)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Problem(400, "bad-input", "The body is not valid JSON", str(exc)) from None
