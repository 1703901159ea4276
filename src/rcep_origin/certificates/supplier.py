"""Supplier declarations as W3C Verifiable Credentials 2.0, signed by the supplier's own key.

A long-term supplier declaration is the supplier's statement that a material it supplies is (or
is not) originating, in which Party, for which period: the record an exporter keeps to prove its
materials' origin (Art. 3.27 record keeping; produced on verification, Art. 3.24). Here it is
signed by the *supplier*, not by the issuing body nor the exporter, so neither can make one up:

- the key is the supplier's Ed25519 key, named by a ``did:key`` (W3C did:key method): the DID
  is the public key itself, so a verifier needs no document to resolve, and the private key
  never leaves the supplier (``new_supplier_signer`` makes one, ``Ed25519Signer`` loads one);
- the proof is a Data Integrity proof, ``eddsa-rdfc-2022``, as for certificates;
- ``credentialStatus`` names an entry of the supplier's own W3C Bitstring Status List, also
  signed by the supplier and hosted by the register, so the supplier withdraws a declaration by
  setting its bit (a revocation is final);
- the terms are those of this package's context ``https://w3id.org/rcep-origin/supplier/v1``
  (``contexts/rcep-supplier-v1.jsonld``), loaded locally like every context.

``read_declaration`` checks the envelope and reads the claim; ``verify_declaration`` checks the
signature with the key the DID names. Whether a declaration *holds* for a material on a date --
status, validity, HS code, Party -- is the register's question (``authority``), because the
status lives there.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import Field, ValidationError, field_validator, model_validator

from rcep_origin.certificates import data_integrity, jsonld
from rcep_origin.certificates.credential import StatusEntry, status_entries, status_list_credential
from rcep_origin.certificates.keys import (
    Ed25519Signer,
    KeyUnusableError,
    VerificationKey,
    multibase_ed25519,
    public_key_from_multibase,
)
from rcep_origin.certificates.model import PartyCode, _Model
from rcep_origin.certificates.status_list import Bitstring, StatusListError
from rcep_origin.errors import InputError
from rcep_origin.hs import parse_hs_code

SUPPLIER_V1 = "https://w3id.org/rcep-origin/supplier/v1"
CONTEXT = [jsonld.CREDENTIALS_V2, SUPPLIER_V1]
CREDENTIAL_TYPE = "RcepSupplierDeclaration"
SUBJECT_TYPE = "RcepSupplierDeclarationData"
PURPOSE = "revocation"
_URN = re.compile(r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_DID_KEY = re.compile(r"^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]{40,50}$")


def _register_context() -> None:
    # The shipped context, registered with the canonicalizer (it refuses any other URL).
    text = resources.files("rcep_origin.certificates.contexts").joinpath("rcep-supplier-v1.jsonld")
    jsonld.REGISTERED.setdefault(SUPPLIER_V1, json.loads(text.read_text("utf-8")))


_register_context()


class SupplierDeclarationError(InputError):
    """A document is not a supplier declaration, or its signature or status list is not the
    supplier's; ``path`` names the member."""


class SupplierClaim(_Model):
    """What the supplier declares about one material."""

    supplier_name: str = Field(min_length=1, max_length=300)
    supplier_country: str = Field(pattern=r"^[A-Z]{2}$")
    material: str = Field(min_length=1, max_length=2000, description="the material supplied")
    part_number: str | None = Field(default=None, min_length=1, max_length=200)
    hs_code: str = Field(description="the material's HS heading or subheading")
    originating: bool = Field(description="RCEP-originating (Art. 3.2)")
    origin_party: PartyCode = Field(description="the Party it originates in")
    valid_from: date = Field(description="the first day it covers")
    valid_until: date = Field(description="the last day it covers")
    customer: str | None = Field(
        default=None, min_length=1, max_length=300, description="the exporter it is made for"
    )

    @field_validator("hs_code")
    @classmethod
    def _hs(cls, value: str) -> str:
        return str(parse_hs_code(value, min_level=4))

    @model_validator(mode="after")
    def _period(self) -> SupplierClaim:
        if self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        return self

    def covers(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_until

    def matches_hs(self, hs_code: str | None) -> bool:
        """Whether a BOM line's HS code falls under the declared one (a heading declared covers
        its subheadings; digits compared without dots)."""
        if hs_code is None:
            return False
        declared = self.hs_code.replace(".", "")
        return hs_code.replace(".", "").startswith(declared)


# --- keys ------------------------------------------------------------------------------------


def did_key(public_key: bytes) -> str:
    return f"did:key:{multibase_ed25519(public_key)}"


def key_of(did: str) -> VerificationKey:
    """The key a ``did:key`` names (its only verification method, ``did#<multibase>``)."""
    if not _DID_KEY.match(did):
        raise SupplierDeclarationError("the issuer is not an Ed25519 did:key", path="issuer")
    multibase = did.removeprefix("did:key:")
    try:
        raw = public_key_from_multibase(multibase)
    except KeyUnusableError as exc:
        raise SupplierDeclarationError(str(exc), path="issuer") from None
    return VerificationKey(controller=did, kid=multibase, public_key=raw, created=None)


def new_supplier_signer() -> Ed25519Signer:
    """A fresh key pair for a supplier, named by its ``did:key``."""
    private = Ed25519PrivateKey.generate()
    return Ed25519Signer(private, key_of(did_key(private.public_key().public_bytes_raw())))


def signer_from_private(private: Ed25519PrivateKey) -> Ed25519Signer:
    return Ed25519Signer(private, key_of(did_key(private.public_key().public_bytes_raw())))


# --- declarations ----------------------------------------------------------------------------


def _day_start(day: date) -> str:
    return datetime.combine(day, time(0, 0), tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def declaration_credential(
    claim: SupplierClaim, issuer: str, status: StatusEntry, credential_id: str | None = None
) -> dict[str, Any]:
    """The unsigned credential: valid from the start of ``valid_from`` to the end of
    ``valid_until`` (UTC), with one revocation entry in the supplier's list."""
    subject = claim.model_dump(
        mode="json", exclude_none=True, exclude={"valid_from", "valid_until"}
    )
    return {
        "@context": list(CONTEXT),
        "id": credential_id or f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "issuer": issuer,
        "validFrom": _day_start(claim.valid_from),
        "validUntil": _day_start(claim.valid_until + timedelta(days=1)),
        "credentialSubject": {"type": SUBJECT_TYPE, **subject},
        "credentialStatus": status.to_json(),
    }


def sign_declaration(
    claim: SupplierClaim,
    signer: Ed25519Signer,
    status: StatusEntry,
    now: datetime,
    credential_id: str | None = None,
) -> dict[str, Any]:
    """The supplier's signed declaration (what its software, or ``rcep-origin evidence
    supplier-declare``, makes)."""
    unsigned = declaration_credential(claim, signer.key.controller, status, credential_id)
    return data_integrity.sign(unsigned, signer, now)


def _instant(value: Any, path: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise SupplierDeclarationError("not an xsd:dateTime", path=path) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def read_declaration(credential: Any) -> tuple[SupplierClaim, StatusEntry]:
    """The claim and status entry of a supplier declaration, once its envelope checks out
    (the signature is ``verify_declaration``'s)."""
    if not isinstance(credential, dict):
        raise SupplierDeclarationError("a supplier declaration is a JSON object")
    if credential.get("@context") != CONTEXT:
        raise SupplierDeclarationError(f"@context must be {CONTEXT}", path="@context")
    if credential.get("type") != ["VerifiableCredential", CREDENTIAL_TYPE]:
        raise SupplierDeclarationError(
            f"type must be ['VerifiableCredential', '{CREDENTIAL_TYPE}']", path="type"
        )
    if not isinstance(credential.get("id"), str) or not _URN.match(credential["id"]):
        raise SupplierDeclarationError("id is a urn:uuid", path="id")
    if not isinstance(credential.get("issuer"), str):
        raise SupplierDeclarationError("issuer is the supplier's did:key", path="issuer")
    key_of(credential["issuer"])
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("type") != SUBJECT_TYPE:
        raise SupplierDeclarationError(
            f"credentialSubject must be a {SUBJECT_TYPE}", path="credentialSubject"
        )
    start = _instant(credential.get("validFrom"), "validFrom")
    end = _instant(credential.get("validUntil"), "validUntil")
    last = (end - timedelta(seconds=1)).date()
    try:
        claim = SupplierClaim.model_validate(
            {
                **{k: v for k, v in subject.items() if k != "type"},
                "valid_from": start.date().isoformat(),
                "valid_until": last.isoformat(),
            }
        )
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        path = "credentialSubject." + ".".join(str(p) for p in error["loc"])
        raise SupplierDeclarationError(
            error["msg"].removeprefix("Value error, "), path=path
        ) from None
    if credential.get("validFrom") != _day_start(claim.valid_from) or credential.get(
        "validUntil"
    ) != _day_start(claim.valid_until + timedelta(days=1)):
        raise SupplierDeclarationError(
            "validFrom and validUntil are the start of a day (UTC)", path="validFrom"
        )
    entries = status_entries(credential)
    if len(entries) != 1 or entries[0].purpose != PURPOSE:
        raise SupplierDeclarationError(
            "one credentialStatus entry, for revocation", path="credentialStatus"
        )
    return claim, entries[0]


def verify_declaration(credential: dict[str, Any]) -> data_integrity.ProofCheck:
    """The supplier's signature: made by the key its ``did:key`` issuer names."""
    return data_integrity.verify(credential, key_of(str(credential.get("issuer"))))


# --- the supplier's status list --------------------------------------------------------------


def status_list(
    list_url: str, signer: Ed25519Signer, bits: Bitstring, now: datetime
) -> dict[str, Any]:
    """The supplier's signed revocation list."""
    unsigned = status_list_credential(list_url, signer.key.controller, PURPOSE, bits.encode(), now)
    return data_integrity.sign(unsigned, signer, now)


def read_status_list(listing: Any, list_url: str) -> tuple[str, Bitstring]:
    """The issuer and bits of a supplier's signed revocation list for ``list_url``, once its
    signature (by the issuer's did:key) checks out."""
    if not isinstance(listing, dict):
        raise SupplierDeclarationError("a status list is a JSON object")
    if listing.get("id") != list_url:
        raise SupplierDeclarationError(f"the list's id must be {list_url}", path="id")
    if listing.get("type") != ["VerifiableCredential", "BitstringStatusListCredential"]:
        raise SupplierDeclarationError("not a BitstringStatusListCredential", path="type")
    issuer = listing.get("issuer")
    if not isinstance(issuer, str):
        raise SupplierDeclarationError("issuer is the supplier's did:key", path="issuer")
    subject = listing.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("statusPurpose") != PURPOSE:
        raise SupplierDeclarationError(
            "a supplier's list is a revocation list", path="credentialSubject.statusPurpose"
        )
    check = data_integrity.verify(listing, key_of(issuer))
    if not check.valid:
        raise SupplierDeclarationError(f"the list's signature: {check.reason}", path="proof")
    try:
        bits = Bitstring.decode(str(subject.get("encodedList", "")))
    except StatusListError as exc:
        raise SupplierDeclarationError(str(exc), path="credentialSubject.encodedList") from None
    return issuer, bits
