"""Verify a certificate in any of its forms (JSON credential, JWT, XML, PDF) and say why.

Each check reports pass, fail or unknown with a reason:

    format       the document parses and is an rcep-origin certificate (schema)
    issuer       the issuer is a known issuing body (its keys are in the trust store)
    signature    the signature covers the content and was made with one of its keys
    key          the key was in its lifetime when it signed (rotation, compromise)
    validity     now is within the one-year validity (Art. 3.16(6))
    status       neither revoked nor suspended (W3C Bitstring Status List)

The report is ``valid`` when every check passes, ``invalid`` when one fails, ``indeterminate``
when none fails but one could not be settled (e.g. the status list is not at hand offline).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from cryptography import x509

from rcep_origin.certificates import data_integrity
from rcep_origin.certificates.credential import (
    CredentialFormError,
    StatusEntry,
    certificate_from_credential,
    status_entries,
)
from rcep_origin.certificates.jose import JwtFormError, decode_jwt, jwt_header
from rcep_origin.certificates.keys import Keyring, VerificationKey
from rcep_origin.certificates.model import Certificate
from rcep_origin.certificates.status_list import Bitstring, StatusListError
from rcep_origin.errors import InputError

MAX_JSON_BYTES = 1024 * 1024
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024  # the largest document of any form (a PDF) looked at
PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"
CHECK_ORDER = ["format", "issuer", "signature", "key", "validity", "status"]


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    result: str  # pass / fail / unknown
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "result": self.result, "reason": self.reason}


@dataclass
class VerificationReport:
    form: str  # json, jwt, xml, pdf
    checks: list[Check] = field(default_factory=list)
    certificate: Certificate | None = None
    issuer: str | None = None

    @property
    def verdict(self) -> str:
        results = {c.result for c in self.checks}
        if FAIL in results:
            return "invalid"
        return "indeterminate" if UNKNOWN in results else "valid"

    @property
    def valid(self) -> bool:
        return self.verdict == "valid"

    @property
    def reason(self) -> str:
        failing = [c for c in self.checks if c.result != PASS]
        return "; ".join(f"{c.name}: {c.reason}" for c in failing) or "all checks passed"

    def add(self, name: str, result: str, reason: str) -> None:
        self.checks.append(Check(name, result, reason))
        # One order in every form, whatever order a form's checks ran in.
        self.checks.sort(key=lambda check: CHECK_ORDER.index(check.name))

    def to_dict(self) -> dict[str, Any]:
        """The report with the certificate's public fields only (no determination data beyond
        its hashes, no costs: a certificate carries none)."""
        return {
            "verdict": self.verdict,
            "valid": self.valid,
            "form": self.form,
            "reason": self.reason,
            "number": None if self.certificate is None else self.certificate.number,
            "issuer": self.issuer,
            "checks": [c.to_dict() for c in self.checks],
            "certificate": None
            if self.certificate is None
            else self.certificate.model_dump(mode="json", exclude_none=True),
        }


class StatusSource(Protocol):
    """Where a verifier finds status list credentials: the issuer's registry, a cache, a file."""

    def status_list_credential(self, url: str) -> dict[str, Any] | None: ...


class StatusDirectory(StatusSource, Protocol):
    """A status source that also knows each certificate's status entries (the issuer's own
    registry): it lets the XML form, which carries none, be checked for revocation."""

    def status_entries_of(self, number: str) -> list[StatusEntry] | None: ...


@dataclass
class TrustStore:
    """The issuing bodies a verifier trusts: their Ed25519 keys (JSON, JWT) and their XML
    signing certificates."""

    keys: Keyring = field(default_factory=Keyring)
    xml_certificates: dict[str, list[x509.Certificate]] = field(default_factory=dict)
    # Verified status lists by the hash of their JSON: one list serves thousands of
    # certificates, and checking its signature each time would dominate verification.
    _verified_lists: dict[str, Bitstring] = field(default_factory=dict, repr=False)
    # Signature checks by the hash of the credential's JSON and the key: a service verifying
    # the same stored certificate on every QR scan checks its signature once. Any change to the
    # document changes the hash, so nothing tampered is ever served from here.
    _verified_proofs: dict[tuple[str, str], data_integrity.ProofCheck] = field(
        default_factory=dict, repr=False
    )

    def issuers(self) -> set[str]:
        return {k.controller for k in self.keys} | set(self.xml_certificates)


def detect_form(data: bytes) -> str:
    head = data.lstrip()[:8]
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"<"):
        return "xml"
    if head.startswith(b"{"):
        return "json"
    if head.startswith(b"ey"):
        return "jwt"
    raise InputError("not a certificate: expected a JSON credential, a JWT, XML or a PDF")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise InputError(f"duplicate JSON key {key!r}: a tampered document")
        result[key] = value
    return result


def parse_json(data: bytes) -> dict[str, Any]:
    if len(data) > MAX_JSON_BYTES:
        raise InputError(f"the credential is larger than {MAX_JSON_BYTES // 1024} KiB")
    try:
        parsed = json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"malformed JSON: {exc}") from None
    if not isinstance(parsed, dict):
        raise InputError("a credential is a JSON object")
    return parsed


def verify_credential_json(
    credential: dict[str, Any],
    trust: TrustStore,
    status: StatusSource | None,
    now: datetime,
    *,
    form: str = "json",
) -> VerificationReport:
    report = VerificationReport(form)
    certificate = _read_certificate(credential, report)
    if certificate is None:
        return report
    issuer = certificate.issuing_body.id
    proof, reason = data_integrity.read_proof(credential)
    key = _issuer_key(report, trust, issuer, None if proof is None else proof["verificationMethod"])
    if key is None:
        return report
    if proof is None:
        report.add("signature", FAIL, reason)
        return report
    check = _verified_proof(credential, key, trust)
    report.add("signature", PASS if check.valid else FAIL, check.reason)
    if not check.valid or check.created is None:
        return report
    _key_lifetime(report, key, check.created, certificate)
    _validity(report, certificate, now)
    _status(report, credential, trust, status)
    return report


def verify_jwt(
    token: str, trust: TrustStore, status: StatusSource | None, now: datetime
) -> VerificationReport:
    report = VerificationReport("jwt")
    try:
        header = jwt_header(token)
    except JwtFormError as exc:
        report.add("format", FAIL, exc.message)
        return report
    issuer = str(header["kid"]).split("#")[0]
    key = _issuer_key(report, trust, issuer, header["kid"], before_format=True)
    if key is None:
        return report
    payload = decode_jwt(token, key)
    if payload is None:
        report.add(
            "signature", FAIL, "the JWS signature does not match: altered or signed by another key"
        )
        return report
    certificate = _read_certificate(payload, report)
    if certificate is None:
        return report
    if certificate.issuing_body.id != issuer:
        report.add(
            "signature", FAIL, "the JWT was signed by another issuer than the certificate names"
        )
        return report
    report.add("signature", PASS, f"signed by {key.id}")
    _key_lifetime(report, key, datetime.fromtimestamp(header["iat"], tz=UTC), certificate)
    _validity(report, certificate, now)
    _status(report, payload, trust, status)
    return report


def _read_certificate(credential: dict[str, Any], report: VerificationReport) -> Certificate | None:
    try:
        certificate = certificate_from_credential(credential)
    except CredentialFormError as exc:
        report.add("format", FAIL, f"{exc.path}: {exc.message}" if exc.path else exc.message)
        return None
    if not any(c.name == "format" for c in report.checks):
        report.add("format", PASS, "an rcep-origin certificate credential (schema valid)")
    report.certificate = certificate
    report.issuer = certificate.issuing_body.id
    return certificate


def _issuer_key(
    report: VerificationReport,
    trust: TrustStore,
    issuer: str,
    method: str | None,
    *,
    before_format: bool = False,
) -> VerificationKey | None:
    if issuer not in trust.issuers():
        report.add("issuer", FAIL, f"{issuer} is not a known issuing body")
        return None
    report.add("issuer", PASS, f"{issuer} is a known issuing body")
    key = None if method is None else trust.keys.get(method)
    if key is None or key.controller != issuer:
        report.add("signature", FAIL, f"the signing key {method} is not a key of {issuer}")
        return None
    return key


def _key_lifetime(
    report: VerificationReport, key: VerificationKey, signed_at: datetime, certificate: Certificate
) -> None:
    ok, why = key.signed_in_lifetime(signed_at)
    report.add("key", PASS if ok else FAIL, f"{key.kid}: {why}")


def _validity(report: VerificationReport, certificate: Certificate, now: datetime) -> None:
    today = now.astimezone(UTC).date()
    if today < certificate.issue_date:
        report.add("validity", FAIL, f"not valid before {certificate.issue_date}")
    elif today >= certificate.valid_until:
        report.add(
            "validity",
            FAIL,
            f"expired: valid one year from issue, until {certificate.valid_until} (Art. 3.16(6))",
        )
    else:
        report.add(
            "validity", PASS, f"valid from {certificate.issue_date} until {certificate.valid_until}"
        )


def _status(
    report: VerificationReport,
    credential: dict[str, Any],
    trust: TrustStore,
    source: StatusSource | None,
) -> None:
    try:
        entries = status_entries(credential)
    except CredentialFormError as exc:
        report.add("status", FAIL, exc.message)
        return
    if not entries:
        report.add("status", UNKNOWN, "the certificate names no status list")
        return
    results = [_entry_status(entry, report.issuer or "", trust, source) for entry in entries]
    for result, reason in results:
        if result != PASS:
            report.add("status", result, reason)
            return
    report.add("status", PASS, "; ".join(reason for _, reason in results))


def _entry_status(
    entry: StatusEntry, issuer: str, trust: TrustStore, source: StatusSource | None
) -> tuple[str, str]:
    listing = None if source is None else source.status_list_credential(entry.list_url)
    if listing is None:
        return UNKNOWN, f"the {entry.purpose} list {entry.list_url} is not available"
    bits = _verified_list(listing, entry, issuer, trust)
    if isinstance(bits, str):
        return FAIL, bits
    if not 0 <= entry.index < bits.size:
        return FAIL, f"status index {entry.index} is outside the {entry.purpose} list"
    if bits.get(entry.index):
        return FAIL, {"revocation": "revoked", "suspension": "suspended"}.get(
            entry.purpose, entry.purpose
        ) + " by the issuing body"
    return PASS, f"not {'revoked' if entry.purpose == 'revocation' else 'suspended'}"


def _verified_proof(
    credential: dict[str, Any], key: VerificationKey, trust: TrustStore
) -> data_integrity.ProofCheck:
    fingerprint = (
        hashlib.sha256(json.dumps(credential, sort_keys=True).encode("utf-8")).hexdigest(),
        key.id,
    )
    cached = trust._verified_proofs.get(fingerprint)
    if cached is None:
        cached = data_integrity.verify(credential, key)
        if len(trust._verified_proofs) > 10_000:
            trust._verified_proofs.clear()
        trust._verified_proofs[fingerprint] = cached
    return cached


def _verified_list(
    listing: dict[str, Any], entry: StatusEntry, issuer: str, trust: TrustStore
) -> Bitstring | str:
    """The list's bits once its signature, issuer and purpose check out, else the reason."""
    fingerprint = hashlib.sha256(json.dumps(listing, sort_keys=True).encode("utf-8")).hexdigest()
    cached = trust._verified_lists.get(fingerprint)
    if cached is None:
        proof, _ = data_integrity.read_proof(listing)
        key = None if proof is None else trust.keys.get(proof["verificationMethod"])
        if key is None or key.controller != issuer or listing.get("issuer") != issuer:
            return f"the {entry.purpose} list is not signed by the certificate's issuer"
        if listing.get("id") != entry.list_url:
            return f"the list served for {entry.list_url} is another list"
        if not data_integrity.verify(listing, key).valid:
            return f"the {entry.purpose} list's signature does not verify"
        subject = listing.get("credentialSubject", {})
        if not isinstance(subject, dict) or subject.get("statusPurpose") != entry.purpose:
            return f"the list at {entry.list_url} is not a {entry.purpose} list"
        try:
            cached = Bitstring.decode(str(subject.get("encodedList", "")))
        except StatusListError as exc:
            return f"the {entry.purpose} list does not decode: {exc}"
        if len(trust._verified_lists) > 1000:
            trust._verified_lists.clear()
        trust._verified_lists[fingerprint] = cached
    return cached


def trust_from_records(records: Iterable[dict[str, Any]]) -> TrustStore:
    return TrustStore(Keyring(VerificationKey.from_record(r) for r in records))


Verifier = Callable[[bytes], VerificationReport]


def verify_document(
    data: bytes, trust: TrustStore, status: StatusSource | None, *, now: datetime | None = None
) -> VerificationReport:
    """Verify a certificate in whichever form it comes. Bad input is a failed ``format`` check,
    never an exception: a verifier always gets a report."""
    now = now or datetime.now(UTC)
    try:
        if len(data) > MAX_DOCUMENT_BYTES:
            raise InputError(f"refused: larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB")
        form = detect_form(data)
    except InputError as exc:
        report = VerificationReport("unknown")
        report.add("format", FAIL, exc.message)
        return report
    try:
        if form == "json":
            return verify_credential_json(parse_json(data), trust, status, now)
        if form == "jwt":
            return verify_jwt(data.decode("ascii", errors="replace").strip(), trust, status, now)
        if form == "pdf":
            from rcep_origin.certificates.pdf import extract_credential

            report = verify_credential_json(
                parse_json(extract_credential(data)), trust, status, now
            )
            report.form = "pdf"
            return report
        return verify_xml_document(data, trust, status, now)
    except InputError as exc:
        report = VerificationReport(form)
        report.add("format", FAIL, f"{exc.path}: {exc.message}" if exc.path else exc.message)
        return report


def verify_xml_document(
    data: bytes, trust: TrustStore, status: StatusSource | None, now: datetime
) -> VerificationReport:
    from rcep_origin.certificates.xml_form import XmlSignatureError, verify_xml

    report = VerificationReport("xml")
    certificates = [c for certs in trust.xml_certificates.values() for c in certs]
    try:
        checked = verify_xml(data, certificates)
    except XmlSignatureError as exc:
        report.add("format", PASS, "an rcep-origin certificate XML document")
        report.add("signature", FAIL, exc.message)
        return report
    certificate = checked.certificate
    report.certificate = certificate
    report.issuer = certificate.issuing_body.id
    report.add("format", PASS, "an rcep-origin certificate XML document (XSD valid)")
    signer_issuers = [
        issuer for issuer, certs in trust.xml_certificates.items() if checked.signed_by in certs
    ]
    if certificate.issuing_body.id not in signer_issuers:
        report.add(
            "issuer",
            FAIL,
            f"signed by a key of {', '.join(signer_issuers) or 'an unknown party'}, not of {certificate.issuing_body.id}",
        )
        return report
    report.add("issuer", PASS, f"{certificate.issuing_body.id} is a known issuing body")
    report.add("signature", PASS, f"XML-DSig by {checked.signed_by.subject.rfc4514_string()}")
    _validity(report, certificate, now)
    lookup = getattr(status, "status_entries_of", None)
    entries = None if lookup is None else lookup(certificate.number)
    if entries is None:
        report.add(
            "status",
            UNKNOWN,
            "the XML form carries no status entry and the issuing body's registry is not at hand",
        )
        return report
    _status(report, {"credentialStatus": [e.to_json() for e in entries]}, trust, status)
    return report
