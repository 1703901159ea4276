"""Electronic certificates of origin: the Annex 3B model, its signed forms, verification and revocation.

The names a verifier (an importer, customs, the issuing body's own service) needs:

* ``verify_document(data, trust, status, *, now=None, register=None)`` -- any form (JSON, JWT,
  XML, PDF) through one pipeline: format, issuer, signature, key lifetime, validity, status,
  register;
* ``trust_from_published(did_json, jwks_json, ...)`` -- a ``TrustStore`` from what issuers
  publish, key lifetimes and XML signing certificates included;
* ``Register`` -- the issuing body's register (``registered_digest(number)``), and
  ``certificate_digest(certificate)`` -- the digest it keeps, the same from every form.
"""

from rcep_origin.certificates.keys import PublishedKeysError
from rcep_origin.certificates.model import Certificate, certificate_digest
from rcep_origin.certificates.verification import (
    Register,
    SignedCertificate,
    TrustStore,
    VerificationReport,
    trust_from_published,
    verify_credential_json,
    verify_document,
)

__all__ = [
    "Certificate",
    "PublishedKeysError",
    "Register",
    "SignedCertificate",
    "TrustStore",
    "VerificationReport",
    "certificate_digest",
    "trust_from_published",
    "verify_credential_json",
    "verify_document",
]
