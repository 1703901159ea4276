"""Verify a certificate in any of its forms (JSON credential, JWT, XML, PDF) and say why.

Every form is decoded to one ``SignedCertificate`` record -- the certificate rebuilt from what
the signature covers, the issuer key that made the signature, the signing time the signature
covers, and the status entries -- and one pipeline checks it. Each check reports pass, fail or
unknown with a reason:

    format       the document parses and is an rcep-origin certificate (schema)
    issuer       the issuer is a known issuing body (its keys are in the trust store)
    signature    the signature covers the content and was made with one of its keys
    key          the key was in its lifetime when it signed (rotation, compromise)
    validity     now is within the one-year validity (Art. 3.16(6))
    status       neither revoked nor suspended (W3C Bitstring Status List)
    register     the issuing body's register holds this number with this content

The register check runs when a ``Register`` is given. Without one it is reported (unknown) only
where it decides something: the signing key has since been reported compromised. A signature
dated before the compromise then proves nothing by itself, since whoever holds the key can date
a signature as they like (CID 1.0, "Revocation Semantics"); only the register shows the number
was issued. Otherwise an offline check that passes everything stays ``valid``.

The report is ``valid`` when every check passes, ``invalid`` when one fails, ``indeterminate``
when none fails but one could not be settled (e.g. the status list is not at hand offline).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from cryptography import x509

from rcep_origin.certificates import data_integrity
from rcep_origin.certificates.credential import (
    CredentialFormError,
    StatusEntry,
    certificate_from_credential,
    status_entries,
)
from rcep_origin.certificates.jose import JwtFormError, decode_jwt, jwt_header
from rcep_origin.certificates.keys import (
    Keyring,
    VerificationKey,
    read_published,
    xml_certificate_key_id,
)
from rcep_origin.certificates.model import Certificate, certificate_digest
from rcep_origin.certificates.status_list import Bitstring, StatusListError
from rcep_origin.errors import InputError

MAX_JSON_BYTES = 1024 * 1024
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024  # the largest document of any form (a PDF) looked at
PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"
CHECK_ORDER = ["format", "issuer", "signature", "key", "validity", "status", "register"]
_RANK = {name: rank for rank, name in enumerate(CHECK_ORDER)}


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
        checks = self.checks
        checks.append(Check(name, result, reason))
        # One order in every form, whatever order a form's checks ran in (they mostly run in
        # order, so sort only when one comes early).
        if len(checks) > 1 and _RANK[checks[-2].name] > _RANK[name]:
            checks.sort(key=lambda check: _RANK[check.name])

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


@runtime_checkable
class Register(Protocol):
    """The issuing body's register of what it issued: for a certificate number, the
    ``certificate_digest`` of the content issued under it, or None if it never issued it.

    A register that also has an ``issuer_did`` attribute (its issuing body's DID) is consulted
    only for that issuer's certificates; others get ``register: unknown`` instead of "never
    issued here". Without it, pass a register only for certificates of its own issuer."""

    def registered_digest(self, number: str) -> str | None: ...


@dataclass
class TrustStore:
    """The issuing bodies a verifier trusts: their Ed25519 keys (JSON, JWT) and their XML
    signing certificates, each bound to the Ed25519 key whose lifetime it shares."""

    keys: Keyring = field(default_factory=Keyring)
    xml_certificates: dict[str, list[x509.Certificate]] = field(default_factory=dict)
    # Verified status lists by the URL, purpose and issuer they were checked for, with a copy of
    # what was checked: one list serves thousands of certificates, and checking its signature
    # each time would dominate verification. A list equal to the copy (compared in C, cheaper
    # than hashing it again) is the same list; any change to it is checked again.
    _verified_lists: dict[tuple[str, str, str], tuple[dict[str, Any], Bitstring]] = field(
        default_factory=dict, repr=False
    )
    # Signature checks by the hash of the credential (its bytes, or its JSON) and the key: a
    # service verifying the same stored certificate on every QR scan checks its signature once.
    # Any change to the document changes the hash, so nothing tampered is served from here.
    _verified_proofs: dict[tuple[str, str], data_integrity.ProofCheck] = field(
        default_factory=dict, repr=False
    )

    def issuers(self) -> set[str]:
        return {k.controller for k in self.keys} | set(self.xml_certificates)

    def add_xml_certificate(self, issuer: str, certificate: x509.Certificate) -> None:
        known = self.xml_certificates.setdefault(issuer, [])
        if certificate not in known:
            known.append(certificate)

    def xml_signing_key(self, certificate: x509.Certificate, issuer: str) -> VerificationKey | None:
        """The key an XML signing certificate of ``issuer`` belongs to (named by its subject,
        ``<did>#<kid>``): its lifetime is the certificate's. None if ``issuer`` has no such key."""
        key_id = xml_certificate_key_id(certificate)
        key = None if key_id is None else self.keys.get(key_id)
        return key if key is not None and key.controller == issuer else None

    def add_published(self, document: Mapping[str, Any]) -> None:
        """Trust what an issuer publishes: a ``did.json`` or a ``jwks.json`` (or a keystore's
        ``keys.json``). Raises ``PublishedKeysError`` (an ``InputError``) naming a bad member."""
        published = read_published(document)
        for key in published.keys:
            self.keys.merge(key)
        for issuer, certificate in published.xml_certificates:
            self.add_xml_certificate(issuer, certificate)


def trust_from_published(*documents: Mapping[str, Any]) -> TrustStore:
    """A trust store built from what issuers publish -- their ``did.json`` and/or ``jwks.json``
    (already parsed) -- with every key's lifetime and the XML signing certificates, so that an
    importer with nothing else verifies all four forms. A key published in both documents keeps
    the strictest lifetime either gives."""
    trust = TrustStore()
    for document in documents:
        trust.add_published(document)
    return trust


def trust_from_records(records: Iterable[dict[str, Any]]) -> TrustStore:
    return TrustStore(Keyring(VerificationKey.from_record(r) for r in records))


@dataclass(frozen=True)
class SignedCertificate:
    """What every form decodes to once its signature checks out; the rest of the pipeline (key
    lifetime, validity, status, register) works on this alone."""

    certificate: Certificate  # rebuilt only from what the signature covers
    key: VerificationKey | None  # the issuer key that signed; None: the signer is bound to none
    signed_at: datetime | None  # the signing time the signature covers; None: it covers none
    signer: str  # who made the signature, in words, for the reasons
    # The status entries the document carries; None for a form that carries none (XML).
    status: tuple[StatusEntry, ...] | None
    status_error: str | None = None  # a malformed credentialStatus


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
    result = dict(pairs)
    if len(result) != len(pairs):  # rare: only then look for the key that repeats
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise InputError(f"duplicate JSON key {key!r}: a tampered document")
            seen.add(key)
    return result


def _bounded_int(text: str) -> int:
    if len(text) > 30:  # no number in a certificate comes close; int() of 5,000 digits is slow
        raise ValueError("an integer of more than 30 digits")
    return int(text)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def parse_json(data: bytes) -> dict[str, Any]:
    if len(data) > MAX_JSON_BYTES:
        raise InputError(f"the credential is larger than {MAX_JSON_BYTES // 1024} KiB")
    try:
        parsed = json.loads(
            data.decode("utf-8"),
            object_pairs_hook=_no_duplicates,
            parse_int=_bounded_int,
            parse_constant=_no_constant,
        )
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"malformed JSON: {exc}") from None
    except RecursionError:  # "[[[[..." 100,000 deep: a hostile document, not a 500
        raise InputError("malformed JSON: nested too deep") from None
    except ValueError as exc:  # an integer of thousands of digits, NaN
        raise InputError(f"malformed JSON: {exc}") from None
    if not isinstance(parsed, dict):
        raise InputError("a credential is a JSON object")
    return parsed


# ----------------------------------------------------------------------------------- pipeline


def _pipeline(
    report: VerificationReport,
    signed: SignedCertificate | None,
    trust: TrustStore,
    status: StatusSource | None,
    now: datetime,
    register: Register | None,
) -> VerificationReport:
    """The checks after the signature, the same for every form."""
    if signed is None:  # format, issuer or signature failed: nothing signed to check further
        return report
    _key_lifetime(report, signed)
    _validity(report, signed.certificate, now)
    _status(report, signed, trust, status)
    _register(report, signed, register)
    return report


def verify_credential_json(
    credential: dict[str, Any],
    trust: TrustStore,
    status: StatusSource | None,
    now: datetime,
    *,
    form: str = "json",
    register: Register | None = None,
) -> VerificationReport:
    report = VerificationReport(form)
    signed = _decode_credential(credential, trust, report)
    return _pipeline(report, signed, trust, status, now, register)


def verify_jwt(
    token: str,
    trust: TrustStore,
    status: StatusSource | None,
    now: datetime,
    *,
    register: Register | None = None,
) -> VerificationReport:
    report = VerificationReport("jwt")
    signed = _decode_jwt(token, trust, report)
    return _pipeline(report, signed, trust, status, now, register)


def verify_xml_document(
    data: bytes,
    trust: TrustStore,
    status: StatusSource | None,
    now: datetime,
    *,
    register: Register | None = None,
) -> VerificationReport:
    report = VerificationReport("xml")
    signed = _decode_xml(data, trust, report, now)
    return _pipeline(report, signed, trust, status, now, register)


Verifier = Callable[[bytes], VerificationReport]


def verify_document(
    data: bytes,
    trust: TrustStore,
    status: StatusSource | None,
    *,
    now: datetime | None = None,
    register: Register | None = None,
) -> VerificationReport:
    """Verify a certificate in whichever form it comes. Bad input is a failed ``format`` check,
    never an exception: a verifier always gets a report. ``status`` finds the status lists (and,
    for the XML form, a certificate's status entries); ``register`` is the issuing body's
    register, without which nothing shows the number was ever issued (see the module)."""
    now = now or datetime.now(UTC)
    return _finish(*_decode_document(data, trust, now), trust, status, now, register)


def verify_many(
    documents: Iterable[bytes],
    trust: TrustStore,
    status: StatusSource | None,
    *,
    now: datetime | None = None,
    register: Register | None = None,
    chunk: int = 256,
) -> Iterator[VerificationReport]:
    """Verify many certificates (any forms, mixed), one report each, in order -- what
    ``verify_document`` says of each, at the cost of the signatures rather than the look-ups:
    each status list is fetched and its signature checked once for the whole run, and a
    register that can answer for many numbers at once (``registered_digests(numbers)``) is
    asked once per ``chunk`` documents. The reports come as the chunks are done."""
    now = now or datetime.now(UTC)
    source = None if status is None else _StatusMemo(status)
    batch: list[tuple[VerificationReport, SignedCertificate | None]] = []
    for data in documents:
        batch.append(_decode_document(data, trust, now))
        if len(batch) >= chunk:
            yield from _finish_many(batch, trust, source, now, register)
            batch = []
    yield from _finish_many(batch, trust, source, now, register)


def _finish_many(
    batch: list[tuple[VerificationReport, SignedCertificate | None]],
    trust: TrustStore,
    status: StatusSource | None,
    now: datetime,
    register: Register | None,
) -> Iterator[VerificationReport]:
    bulk = getattr(register, "registered_digests", None)
    if register is not None and bulk is not None:
        numbers = [signed.certificate.number for _, signed in batch if signed is not None]
        register = _Prefetched(register, bulk(numbers) if numbers else {})
    for report, signed in batch:
        yield _finish(report, signed, trust, status, now, register)


class _StatusMemo:
    """A status source remembered for one run of ``verify_many``: one look-up per list (the
    issuer's registry answers from its database each time), the same object each time (so the
    trust store's check of the list's signature is found again at once)."""

    def __init__(self, source: StatusSource) -> None:
        self._source = source
        self._lists: dict[str, dict[str, Any] | None] = {}

    def status_list_credential(self, url: str) -> dict[str, Any] | None:
        if url not in self._lists:
            self._lists[url] = self._source.status_list_credential(url)
        return self._lists[url]

    def __getattr__(self, name: str) -> Any:  # status_entries_of, when the source has it
        return getattr(self._source, name)


class _Prefetched:
    """A register's digests for a chunk of numbers, fetched at once; the register itself for
    any other number. Speaks for the same issuer as the register."""

    def __init__(self, register: Register, digests: Mapping[str, str | None]) -> None:
        self._register = register
        self._digests = digests
        owner = getattr(register, "issuer_did", None)
        if owner is not None:
            self.issuer_did = owner

    def registered_digest(self, number: str) -> str | None:
        if number in self._digests:
            return self._digests[number]
        return self._register.registered_digest(number)


def _decode_document(
    data: bytes, trust: TrustStore, now: datetime
) -> tuple[VerificationReport, SignedCertificate | None]:
    """Format, issuer and signature, for any form: the report so far and, when all three
    pass, what the signature covers."""
    try:
        if len(data) > MAX_DOCUMENT_BYTES:
            raise InputError(f"refused: larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB")
        form = detect_form(data)
    except InputError as exc:
        report = VerificationReport("unknown")
        report.add("format", FAIL, exc.message)
        return report, None
    report = VerificationReport(form)
    try:
        if form == "json":
            # The bytes name the document for the proof cache: hashing them is cheaper than
            # serialising the parsed credential again.
            digest = "raw:" + hashlib.sha256(data).hexdigest()
            return report, _decode_credential(parse_json(data), trust, report, digest)
        if form == "jwt":
            # One line ending is how files end; any other byte around the token is an alteration.
            token = data.decode("ascii", errors="replace").removesuffix("\n").removesuffix("\r")
            return report, _decode_jwt(token, trust, report)
        if form == "pdf":
            from rcep_origin.certificates.pdf import extract_credential

            signed = _decode_credential(parse_json(extract_credential(data)), trust, report)
            return report, _pdf_signed_whole(data, trust, report, signed)
        return report, _decode_xml(data, trust, report, now)
    except InputError as exc:
        return _format_failure(form, exc), None


def _format_failure(form: str, exc: InputError) -> VerificationReport:
    report = VerificationReport(form)
    report.add("format", FAIL, f"{exc.path}: {exc.message}" if exc.path else exc.message)
    return report


def _finish(
    report: VerificationReport,
    signed: SignedCertificate | None,
    trust: TrustStore,
    status: StatusSource | None,
    now: datetime,
    register: Register | None,
) -> VerificationReport:
    try:
        return _pipeline(report, signed, trust, status, now, register)
    except InputError as exc:  # a malformed entry in the issuer's own registry
        return _format_failure(report.form, exc)


# ------------------------------------------------------------------------ decoding each form


def _decode_credential(
    credential: dict[str, Any],
    trust: TrustStore,
    report: VerificationReport,
    digest: str | None = None,
) -> SignedCertificate | None:
    certificate = _read_certificate(credential, report)
    if certificate is None:
        return None
    issuer = certificate.issuing_body.id
    proof, reason = data_integrity.read_proof(credential)
    key = _issuer_key(report, trust, issuer, None if proof is None else proof["verificationMethod"])
    if key is None:
        return None
    if proof is None:
        report.add("signature", FAIL, reason)
        return None
    check = _verified_proof(credential, key, trust, digest)
    report.add("signature", PASS if check.valid else FAIL, check.reason)
    if not check.valid or check.created is None:
        return None
    return _signed(certificate, key, check.created, f"{key.id}", credential)


def _pdf_signed_whole(
    data: bytes, trust: TrustStore, report: VerificationReport, signed: SignedCertificate | None
) -> SignedCertificate | None:
    """The page a person reads is not covered by the embedded credential's proof: the PDF is
    accepted only when the issuing body's PAdES signature covers the whole file, made by one of
    its XML signing certificates while that certificate's key was in its lifetime."""
    if signed is None:
        return None
    from rcep_origin.certificates.pdf_signature import check_pdf_signature

    issuer = signed.certificate.issuing_body.id
    check = check_pdf_signature(data, list(trust.xml_certificates.get(issuer, [])))
    problem = "" if check.valid else check.reason
    key = None if check.signed_by is None else trust.xml_signing_key(check.signed_by, issuer)
    if not problem and key is None:
        problem = "the PDF's signing certificate belongs to no key of the issuing body"
    genuine = next((c for c in report.checks if c.name == "signature"), None)
    report.checks = [c for c in report.checks if c.name != "signature"]
    if problem:
        report.add("signature", FAIL, f"{problem} (the embedded credential itself is genuine)")
        return None
    report.add("signature", PASS, f"{genuine.reason if genuine else ''}; {check.reason}")
    if key is not None and check.signed_at is not None:
        within, why = key.signed_in_lifetime(check.signed_at)
        if not within:  # like every form's: a key problem, under the key check
            report.add("key", FAIL, f"the PDF's signature: {key.kid}: {why}")
            return None
    return signed


def _decode_jwt(
    token: str, trust: TrustStore, report: VerificationReport
) -> SignedCertificate | None:
    try:
        header = jwt_header(token)
    except JwtFormError as exc:
        report.add("format", FAIL, exc.message)
        return None
    issuer = str(header["kid"]).split("#")[0]
    key = _issuer_key(report, trust, issuer, header["kid"])
    if key is None:
        return None
    payload = decode_jwt(token, key)
    if payload is None:
        report.add(
            "signature", FAIL, "the JWS signature does not match: altered or signed by another key"
        )
        return None
    certificate = _read_certificate(payload, report)
    if certificate is None:
        return None
    if certificate.issuing_body.id != issuer:
        report.add(
            "signature", FAIL, "the JWT was signed by another issuer than the certificate names"
        )
        return None
    report.add("signature", PASS, f"signed by {key.id}")
    # iat is in the protected header, so the signature covers the signing time.
    signed_at = datetime.fromtimestamp(header["iat"], tz=UTC)
    return _signed(certificate, key, signed_at, key.id, payload)


def _decode_xml(
    data: bytes, trust: TrustStore, report: VerificationReport, now: datetime
) -> SignedCertificate | None:
    from rcep_origin.certificates.xml_form import (
        XmlSignatureError,
        claimed_issuer,
        verify_xml,
    )

    # What the document claims, only to name its issuer (as the JSON form reads its issuer
    # before checking the proof); what is reported is rebuilt from the signed content below
    # (a certificate the signed content does not make is a format failure there).
    issuer = claimed_issuer(data)
    report.add("format", PASS, "an rcep-origin certificate XML document (XSD valid)")
    report.issuer = issuer
    if not _known_issuer(report, trust, issuer):
        return None
    pinned = trust.xml_certificates.get(issuer, [])
    if not pinned:
        report.add("signature", FAIL, f"no XML signing certificate of {issuer} is trusted")
        return None
    try:
        checked = verify_xml(data, pinned, at=now)
    except XmlSignatureError as exc:
        report.add("signature", FAIL, exc.message)
        return None
    certificate = checked.certificate
    if certificate.issuing_body.id != issuer:  # cannot happen with an enveloped signature
        report.add("signature", FAIL, "the signed content names another issuing body")
        return None
    signer = checked.signed_by.subject.rfc4514_string()
    report.add("signature", PASS, f"XML-DSig by {signer}")
    report.certificate = certificate
    return SignedCertificate(
        certificate=certificate,
        key=trust.xml_signing_key(checked.signed_by, issuer),
        signed_at=checked.signed_at,
        signer=f"the XML signing certificate {signer}",
        status=None,
    )


def _signed(
    certificate: Certificate,
    key: VerificationKey,
    signed_at: datetime,
    signer: str,
    credential: dict[str, Any],
) -> SignedCertificate:
    try:
        entries: tuple[StatusEntry, ...] = tuple(status_entries(credential))
        error = None
    except CredentialFormError as exc:
        entries, error = (), exc.message
    return SignedCertificate(certificate, key, signed_at, signer, entries, error)


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


def _known_issuer(report: VerificationReport, trust: TrustStore, issuer: str) -> bool:
    if issuer not in trust.issuers():
        report.add("issuer", FAIL, f"{issuer} is not a known issuing body")
        return False
    report.add("issuer", PASS, f"{issuer} is a known issuing body")
    return True


def _issuer_key(
    report: VerificationReport, trust: TrustStore, issuer: str, method: str | None
) -> VerificationKey | None:
    if not _known_issuer(report, trust, issuer):
        return None
    key = None if method is None else trust.keys.get(method)
    if key is None or key.controller != issuer:
        report.add("signature", FAIL, f"the signing key {method} is not a key of {issuer}")
        return None
    return key


# ------------------------------------------------------------------- checks after the signature


def _key_lifetime(report: VerificationReport, signed: SignedCertificate) -> None:
    key = signed.key
    if key is None:
        report.add(
            "key",
            FAIL,
            f"{signed.signer} belongs to no known key of {signed.certificate.issuing_body.id}, "
            "so its lifetime cannot be checked",
        )
        return
    if signed.signed_at is None:
        report.add(
            "key",
            FAIL,
            f"{key.kid}: the signature covers no signing time, so the key's lifetime cannot be "
            "checked",
        )
        return
    ok, why = key.signed_in_lifetime(signed.signed_at)
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
    signed: SignedCertificate,
    trust: TrustStore,
    source: StatusSource | None,
) -> None:
    if signed.status_error is not None:
        report.add("status", FAIL, signed.status_error)
        return
    entries: Iterable[StatusEntry] | None = signed.status
    if entries is None:  # the form carries none: ask the issuer's registry, if at hand
        lookup = getattr(source, "status_entries_of", None)
        entries = None if lookup is None else lookup(signed.certificate.number)
        if entries is None:
            report.add(
                "status",
                UNKNOWN,
                f"the {report.form.upper()} form carries no status entry and the issuing body's "
                "registry is not at hand",
            )
            return
    entries = list(entries)
    if not entries:
        report.add("status", UNKNOWN, "the certificate names no status list")
        return
    issuer = signed.certificate.issuing_body.id
    results = [_entry_status(entry, issuer, trust, source) for entry in entries]
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


def _register(
    report: VerificationReport, signed: SignedCertificate, register: Register | None
) -> None:
    certificate = signed.certificate
    number = certificate.number
    if register is None:
        key = signed.key
        if key is not None and key.revoked is not None:
            report.add(
                "register",
                UNKNOWN,
                f"{key.kid} was reported compromised from {key.revoked.isoformat()}: whoever "
                "holds it can date a signature before that, and an offline check cannot prove "
                f"{number} was ever issued; only the issuing body's register can",
            )
        return
    owner = getattr(register, "issuer_did", None)
    if isinstance(owner, str) and owner != certificate.issuing_body.id:
        report.add(
            "register",
            UNKNOWN,
            f"the register at hand is {owner}'s, not {certificate.issuing_body.id}'s",
        )
        return
    registered = register.registered_digest(number)
    if registered is None:
        report.add(
            "register",
            FAIL,
            f"{number} is not in the issuing body's register: it was never issued",
        )
    elif not hmac.compare_digest(registered, certificate_digest(certificate)):
        report.add(
            "register",
            FAIL,
            f"the register holds other content under {number}: this is not what was issued",
        )
    else:
        report.add("register", PASS, f"{number} is in the issuing body's register, as issued")


def _verified_proof(
    credential: dict[str, Any], key: VerificationKey, trust: TrustStore, digest: str | None
) -> data_integrity.ProofCheck:
    if digest is None:  # equal text, equal credential (another key order is just a miss)
        serialized = json.dumps(credential, ensure_ascii=False, separators=(",", ":"))
        digest = "json:" + hashlib.sha256(serialized.encode("utf-8", "surrogatepass")).hexdigest()
    fingerprint = (digest, key.id)
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
    """The list's bits once its signature, signing key's lifetime, issuer and purpose check
    out, else the reason."""
    checked = (entry.list_url, entry.purpose, issuer)
    seen = trust._verified_lists.get(checked)
    cached = seen[1] if seen is not None and seen[0] == listing else None  # see _strings_only
    if cached is None:
        proof, _ = data_integrity.read_proof(listing)
        key = None if proof is None else trust.keys.get(proof["verificationMethod"])
        if key is None or key.controller != issuer or listing.get("issuer") != issuer:
            return f"the {entry.purpose} list is not signed by the certificate's issuer"
        if listing.get("id") != entry.list_url:
            return f"the list served for {entry.list_url} is another list"
        check = data_integrity.verify(listing, key)
        if not check.valid or check.created is None:
            return f"the {entry.purpose} list's signature does not verify"
        # A list re-signed with a compromised key could clear a revocation: the key must have
        # been in its lifetime when it signed the list, as for a certificate.
        in_lifetime, why = key.signed_in_lifetime(check.created)
        if not in_lifetime:
            return f"the {entry.purpose} list was signed by {key.kid} outside its lifetime: {why}"
        subject = listing.get("credentialSubject", {})
        if not isinstance(subject, dict) or subject.get("statusPurpose") != entry.purpose:
            return f"the list at {entry.list_url} is not a {entry.purpose} list"
        try:
            cached = Bitstring.decode(str(subject.get("encodedList", "")))
        except StatusListError as exc:
            return f"the {entry.purpose} list does not decode: {exc}"
        if len(trust._verified_lists) > 1000:
            trust._verified_lists.clear()
        if _strings_only(listing):
            trust._verified_lists[checked] = (copy.deepcopy(listing), cached)
    return cached


def _strings_only(value: Any) -> bool:
    """Whether ``value`` holds no number and no boolean: then a value equal to it (``==``) is
    the same JSON (``True == 1`` and ``1 == 1.0`` in Python, not in a signed document)."""
    if isinstance(value, dict):
        return all(_strings_only(item) for item in value.values())
    if isinstance(value, list):
        return all(_strings_only(item) for item in value)
    return value is None or isinstance(value, str)
