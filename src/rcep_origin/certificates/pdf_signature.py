"""The PDF form's own signature (PAdES, ETSI EN 319 142; a PDF signature any reader shows).

The PDF embeds the signed JSON credential, but the page a person reads is not covered by the
credential's proof: a page edited after issuance would still carry a genuine credential. So the
issuing body signs the whole file as well, with its XML-DSig identity (the P-256 key and X.509
certificate of the current Ed25519 key, published in did.json and jwks.json with ``x5c``), and a
verifier accepts a PDF only when that signature covers every byte of it and was made by a
trusted certificate of the credential's issuer. pyHanko does the signing and the validation.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

FIELD_NAME = "RCEPOrigin"
_HEX_STRING = re.compile(rb"<[0-9A-Fa-f]*>")


def sign_pdf(
    pdf: bytes,
    private_key: ec.EllipticCurvePrivateKey,
    certificate: x509.Certificate,
    *,
    signed_at: datetime,
) -> bytes:
    """Append a PAdES signature over the whole file (an incremental update), stating
    ``signed_at`` -- the issuer's clock when it renders -- as the signing time."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    signing_cert = asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))
    signing_key = asn1_keys.PrivateKeyInfo.load(
        private_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    signer = signers.SimpleSigner(
        signing_cert=signing_cert,
        signing_key=signing_key,
        cert_registry=SimpleCertificateStore.from_certs([signing_cert]),  # type: ignore[no-untyped-call]
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, md_algorithm="sha256", reason="RCEP certificate of origin"
    )
    pdf_signer = _clocked_signer_class()(metadata, signer=signer, system_time=signed_at)
    return bytes(pdf_signer.sign_pdf(writer).getvalue())


def _unsigned_slack(embedded: Any, trusted: set[bytes], pdf: bytes) -> str:
    """The parts of a PAdES signature that its own digest does not cover, held to one reading:
    the gap the byte range leaves is one hex string of hex digits only (a PDF reader skips white
    space inside it), the CMS blob is canonical DER followed only by the zero padding of its
    reserved space, and every certificate it carries is a trusted one, byte for byte."""
    from asn1crypto import cms

    _, first_length, second_start, _ = (int(n) for n in embedded.sig_object["/ByteRange"])
    if not _HEX_STRING.fullmatch(pdf[first_length:second_start]):
        return "its hex string holds more than hex digits"

    raw = bytes(embedded.pkcs7_content)
    parsed = cms.ContentInfo.load(raw)
    der = parsed.dump(force=True)
    if raw[: len(der)] != der:
        return "the signature is not in canonical DER"
    if raw[len(der) :].strip(b"\x00"):
        return "bytes after the signature in its reserved space"
    for carried in embedded.signed_data["certificates"] or []:
        if carried.chosen.dump() not in trusted:
            return "it carries a certificate that is not the issuing body's"
    return ""


@cache
def _clocked_signer_class() -> Any:
    from pyhanko.pdf_utils.writer import BasePdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.signers.pdf_signer import PdfSigningSession

    class ClockedPdfSigner(signers.PdfSigner):
        """pyHanko's signer with the signing time given instead of read from the system clock
        (the issuer's injected clock: the PDF states when the issuing body rendered it)."""

        def __init__(
            self,
            signature_meta: signers.PdfSignatureMetadata,
            signer: signers.Signer,
            *,
            system_time: datetime,
        ):
            super().__init__(signature_meta, signer=signer)
            self._system_time = system_time

        def init_signing_session(
            self, pdf_out: BasePdfFileWriter, existing_fields_only: Any = False
        ) -> PdfSigningSession:
            session = super().init_signing_session(pdf_out, existing_fields_only)
            session.system_time = self._system_time
            return session

    return ClockedPdfSigner


@dataclass(frozen=True)
class PdfSignatureCheck:
    valid: bool
    reason: str
    signed_by: x509.Certificate | None = None
    signed_at: datetime | None = None


def check_pdf_signature(pdf: bytes, trusted: list[x509.Certificate]) -> PdfSignatureCheck:
    """The file's PAdES signature: exactly one, over the entire file, intact, by one of the
    ``trusted`` certificates. Anything else is a reason to refuse the PDF."""
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    if not trusted:
        return PdfSignatureCheck(False, "no trusted signing certificate of the issuer is at hand")
    by_der = {c.public_bytes(serialization.Encoding.DER): c for c in trusted}
    roots = [asn1_x509.Certificate.load(der) for der in by_der]
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=True)
        signatures = reader.embedded_signatures
        if len(signatures) != 1:
            return PdfSignatureCheck(
                False, f"the PDF carries {len(signatures)} signatures, not the issuing body's one"
            )
        status = validate_pdf_signature(signatures[0], ValidationContext(trust_roots=roots))
    except (PdfReadError, SignatureValidationError, ValueError, KeyError, TypeError) as exc:
        return PdfSignatureCheck(False, f"the PDF's signature cannot be checked: {exc}")
    signer = by_der.get(status.signing_cert.dump()) if status.signing_cert else None
    try:
        loose = _unsigned_slack(signatures[0], set(by_der), pdf)
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        loose = f"it cannot be read ({type(exc).__name__})"
    if loose:
        return PdfSignatureCheck(False, f"the PDF's signature block was altered: {loose}")
    if not status.intact or not status.valid:
        return PdfSignatureCheck(False, "the PDF was altered after the issuing body signed it")
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return PdfSignatureCheck(False, "the PDF has content its signature does not cover")
    if signer is None or not status.trusted:
        return PdfSignatureCheck(False, "the PDF was not signed by the certificate's issuing body")
    return PdfSignatureCheck(
        True,
        "the whole PDF is signed by the issuing body",
        signed_by=signer,
        signed_at=status.signer_reported_dt,
    )
