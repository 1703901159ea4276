"""The issuing body's side: issue certificates in every form, revoke or suspend them, publish
the signed status lists. State (numbers, status bits, issued documents) lives behind the
``Registry`` interface, so the same logic runs on files today and on a database in the service.

Issuance is all-or-nothing: every determination is re-run and every form signed before anything
is written, and the registry stores a certificate's forms in one atomic step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import BaseModel, ConfigDict, Field

from rcep_origin.certificates import data_integrity
from rcep_origin.certificates.credential import (
    StatusEntry,
    certificate_credential,
    status_list_credential,
)
from rcep_origin.certificates.issuance import IssuingOffice, build_certificate
from rcep_origin.certificates.jose import encode_jwt
from rcep_origin.certificates.keys import Signer
from rcep_origin.certificates.model import Certificate, IssuingBody, Signatory
from rcep_origin.certificates.request import CertificateRequest
from rcep_origin.certificates.status_list import PURPOSES, Bitstring
from rcep_origin.errors import InputError
from rcep_origin.origin import determine
from rcep_origin.rules import RuleSet, builtin_ruleset


class IssuerProfile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    did: str = Field(pattern=r"^did:web:[A-Za-z0-9.%:-]+$")
    name: str = Field(min_length=1)
    country: str = Field(pattern=r"^[A-Z]{2}$")
    signatory: Signatory
    place_of_issue: str = Field(min_length=1)
    number_prefix: str = Field(
        pattern=r"^[A-Z0-9]{2,12}$", description="e.g. CN for 'CN-2026-000001'"
    )
    verification_url: str = Field(
        description="base URL the QR code links to; the number is appended"
    )
    status_url: str = Field(description="base URL where status list credentials are published")

    def office(self) -> IssuingOffice:
        return IssuingOffice(
            IssuingBody(name=self.name, country=self.country, id=self.did),
            self.signatory,
            self.place_of_issue,
        )

    def status_list_url(self, list_id: str) -> str:
        return f"{self.status_url.rstrip('/')}/{list_id}"

    def verify_link(self, number: str) -> str:
        return f"{self.verification_url.rstrip('/')}/{number}"


@dataclass(frozen=True)
class IssuedCertificate:
    certificate: Certificate
    credential: dict[str, Any]  # signed JSON-LD
    jwt: str
    xml: bytes | None
    status: tuple[StatusEntry, ...]


class NotIssued(InputError):
    """Revocation or lookup of a certificate this registry never issued."""


class StatusUnchanged(InputError):
    """A status change that cannot be made: a revocation is final, a certificate is suspended
    or reinstated only from the other state."""


class Registry(Protocol):
    def transaction(self) -> AbstractContextManager[None]: ...
    def next_sequence(self, year: int) -> int: ...
    def status_bits(self, list_id: str) -> Bitstring: ...
    def allocate_status(self, purpose: str) -> tuple[str, int]:
        """A fresh (list id, index) for ``purpose``, never handed out before; opens a new list
        when the current one is full."""
        ...

    def save_status_list(
        self, list_id: str, bits: Bitstring, credential: dict[str, Any]
    ) -> None: ...
    def status_list_credential(self, url: str) -> dict[str, Any] | None: ...
    def status_list_ids(self) -> list[str]: ...
    def save_issued(self, issued: Sequence[IssuedCertificate]) -> None: ...
    def issued(self, number: str) -> IssuedCertificate | None: ...


class XmlSigner(Protocol):
    """Renders and signs the XML form, stamping the signing time inside the signed content."""

    def __call__(self, certificate: Certificate, signed_at: datetime | None = None) -> bytes: ...


class Issuer:
    def __init__(
        self,
        profile: IssuerProfile,
        signer: Signer,
        registry: Registry,
        *,
        xml_signer: XmlSigner | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        if signer.key.controller != profile.did:
            raise ValueError("the signing key belongs to another issuer")
        self.profile = profile
        self.signer = signer
        self.registry = registry
        self.xml_signer = xml_signer
        self.clock = clock

    def issue(
        self, requests: Sequence[CertificateRequest], *, ruleset: RuleSet | None = None
    ) -> list[IssuedCertificate]:
        """Issue one certificate per request, all or none."""
        rules = ruleset or builtin_ruleset()
        now = self.clock()
        today = now.astimezone(UTC).date()
        with self.registry.transaction():
            drafts = []
            for position, request in enumerate(requests):
                verdicts = [determine(item.declaration, ruleset=rules) for item in request.items]
                number = f"{self.profile.number_prefix}-{today.year}-{self.registry.next_sequence(today.year):06d}"
                try:
                    certificate = build_certificate(
                        request,
                        verdicts,
                        number=number,
                        office=self.profile.office(),
                        issue_date=today,
                    )
                except InputError as exc:
                    prefix = f"requests[{position}]" if len(requests) > 1 else ""
                    exc.path = ".".join(p for p in (prefix, exc.path) if p)
                    raise
                drafts.append((certificate, self._reserve_status(number)))
            credentials = [certificate_credential(c, s) for c, s in drafts]
            signed = data_integrity.sign_many(credentials, self.signer, now)
            issued = [
                IssuedCertificate(
                    certificate=certificate,
                    credential=credential,
                    jwt=encode_jwt(unsigned, self.signer, now),
                    # One instant for every form: the XML's signing time is the proof's.
                    xml=None if self.xml_signer is None else self.xml_signer(certificate, now),
                    status=status,
                )
                for (certificate, status), credential, unsigned in zip(
                    drafts, signed, credentials, strict=True
                )
            ]
            self.registry.save_issued(issued)
            for entry in {e.list_url: e for item in issued for e in item.status}.values():
                self._publish(entry, now)
        return issued

    def _reserve_status(self, number: str) -> tuple[StatusEntry, ...]:
        entries = []
        for purpose in PURPOSES:
            list_id, index = self.registry.allocate_status(purpose)
            entries.append(StatusEntry(self.profile.status_list_url(list_id), index, purpose))
        return tuple(entries)

    def set_status(
        self, number: str, *, purpose: str = "revocation", flagged: bool = True
    ) -> IssuedCertificate:
        """Revoke (or suspend, or lift a suspension of) a certificate: flip its bit and re-sign
        the list. A revocation cannot be undone."""
        if purpose not in PURPOSES:
            raise InputError(f"purpose is one of {PURPOSES}", path="purpose")
        with self.registry.transaction():
            issued = self.registry.issued(number)
            if issued is None:
                raise NotIssued(f"no certificate {number} was issued here", path="number")
            current = {e.purpose: self._flag(e) for e in issued.status}
            self._refuse_unchanged(number, current, purpose, flagged)
            entry = next(e for e in issued.status if e.purpose == purpose)
            list_id = entry.list_url.rsplit("/", 1)[-1]
            bits = self.registry.status_bits(list_id)
            bits.set(entry.index, flagged)
            self._sign_list(list_id, purpose, bits, self.clock())
        return issued

    def _flag(self, entry: StatusEntry) -> bool:
        return self.registry.status_bits(entry.list_url.rsplit("/", 1)[-1]).get(entry.index)

    @staticmethod
    def _refuse_unchanged(
        number: str, current: dict[str, bool], purpose: str, flagged: bool
    ) -> None:
        """Only real transitions: revoke once and for good; suspend what is in force; reinstate
        what is suspended. Anything else says why, instead of reporting a change not made."""
        if current.get("revocation"):
            if purpose == "revocation" and flagged:
                raise StatusUnchanged(f"{number} is already revoked", path="number")
            raise StatusUnchanged(
                f"{number} is revoked, and a revocation is final: issue a new certificate",
                path="number",
            )
        if purpose == "suspension" and current.get("suspension") == flagged:
            state = "already suspended" if flagged else "not suspended: nothing to reinstate"
            raise StatusUnchanged(f"{number} is {state}", path="number")

    def _publish(self, entry: StatusEntry, now: datetime) -> None:
        """Sign a list the first time it is needed. Issuing flips no bit, so an existing list
        stays valid as it is; only ``set_status`` re-signs it."""
        list_id = entry.list_url.rsplit("/", 1)[-1]
        if self.registry.status_list_credential(entry.list_url) is None:
            self._sign_list(list_id, entry.purpose, self.registry.status_bits(list_id), now)

    def _sign_list(self, list_id: str, purpose: str, bits: Bitstring, now: datetime) -> None:
        unsigned = status_list_credential(
            self.profile.status_list_url(list_id), self.profile.did, purpose, bits.encode(), now
        )
        self.registry.save_status_list(
            list_id, bits, data_integrity.sign(unsigned, self.signer, now)
        )

    def status_list_credential(self, url: str) -> dict[str, Any] | None:
        return self.registry.status_list_credential(url)

    def resign_status_lists(self) -> list[str]:
        """Sign every list again with this issuer's (current) key, bits unchanged."""
        now = self.clock()
        signed = []
        with self.registry.transaction():
            for list_id in self.registry.status_list_ids():
                listing = self.registry.status_list_credential(
                    self.profile.status_list_url(list_id)
                )
                if listing is None:
                    continue
                purpose = str(listing.get("credentialSubject", {}).get("statusPurpose", ""))
                self._sign_list(list_id, purpose, self.registry.status_bits(list_id), now)
                signed.append(list_id)
        return signed


XmlIdentity = tuple[ec.EllipticCurvePrivateKey, x509.Certificate]
