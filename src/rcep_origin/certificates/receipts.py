"""Signed receipts of the e-CO exchange: what the importing Party's customs answers when an
issuing body delivers a certificate (or a revocation, suspension or reinstatement of one).

A receipt is a JSON object whose fields state what was received and what was decided::

    {"type": "RcepDeliveryReceipt", "receipt_id": "rct_...", "kind": "certificate",
     "number": "CN-2026-000001", "sha256": "<SHA-256 of the bytes received>",
     "content_sha256": "<certificate_digest, the same from every form>" | null,
     "verdict": "valid" | "invalid" | "indeterminate", "accepted": true | false,
     "reason": "...", "reason_zh": "...", "receiver": "did:web:customs.example.th",
     "sender": "<the sender's organisation at the receiver>", "received": "2026-...Z",
     "proof": {"type": "JsonWebSignature", "jws": "<header>..<signature>"}}

The proof is a JWS with a detached payload (RFC 7515, Appendix F): the payload is the receipt
without ``proof``, canonicalised as RFC 8785 (JCS) does for this data -- sorted keys, no white
space, UTF-8; strings, booleans, integers and null only -- so anyone re-serialises it and checks
the Ed25519 signature (``alg`` EdDSA) with the receiver's key named by ``kid``, published in the
receiver's ``did.json``. ``iat`` in the protected header is the signing time, checked against
that key's lifetime as for a certificate.

The Ed25519 signature is made through the ``Signer`` interface: the private key never leaves it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rcep_origin.certificates.keys import (
    KeyUnusableError,
    Signer,
    b64url,
    b64url_decode,
)
from rcep_origin.certificates.verification import TrustStore
from rcep_origin.errors import InputError

RECEIPT_TYPE = "RcepDeliveryReceipt"
PROOF_TYPE = "JsonWebSignature"
JWS_TYPE = "rcep-receipt+jws"
VERDICTS = ("valid", "invalid", "indeterminate")
_FIELDS = (
    "type",
    "receipt_id",
    "kind",
    "number",
    "sha256",
    "content_sha256",
    "verdict",
    "accepted",
    "reason",
    "reason_zh",
    "receiver",
    "sender",
    "received",
)


def canonical(value: Mapping[str, Any]) -> bytes:
    """RFC 8785 for this data (no floats): sorted keys, no white space, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8", "surrogatepass"
    )


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def sign_receipt(fields: Mapping[str, Any], signer: Signer, at: datetime) -> dict[str, Any]:
    """The receipt with its proof: ``fields`` (every name of ``_FIELDS`` but ``type``, which is
    set here) signed by ``signer`` at ``at``."""
    body = {"type": RECEIPT_TYPE, **{k: v for k, v in fields.items() if k != "type"}}
    missing = [name for name in _FIELDS if name not in body]
    if missing or set(body) - set(_FIELDS):
        raise ValueError(f"a receipt has exactly the fields {_FIELDS}; missing {missing}")
    if body["verdict"] not in VERDICTS:
        raise ValueError(f"verdict is one of {VERDICTS}")
    header = {
        "alg": "EdDSA",
        "typ": JWS_TYPE,
        "kid": signer.key.id,
        "iat": int(at.timestamp()),
        "b64": True,
    }
    protected = b64url(canonical(header))
    signing_input = f"{protected}.{b64url(canonical(body))}".encode("ascii")
    signature = b64url(signer.sign(signing_input))
    return {**body, "proof": {"type": PROOF_TYPE, "jws": f"{protected}..{signature}"}}


@dataclass(frozen=True)
class ReceiptCheck:
    valid: bool
    reason: str
    key_id: str | None = None
    signed_at: datetime | None = None


def verify_receipt(receipt: Mapping[str, Any], trust: TrustStore, receiver: str) -> ReceiptCheck:
    """Whether ``receipt`` was signed, unaltered, by a key of ``receiver`` (a DID) that was in
    its lifetime when it signed, with the keys of ``trust`` (from the receiver's did.json)."""
    try:
        return _verify(receipt, trust, receiver)
    except (InputError, KeyUnusableError, ValueError, TypeError, KeyError) as exc:
        return ReceiptCheck(False, f"the receipt is malformed: {exc}")


def _verify(receipt: Mapping[str, Any], trust: TrustStore, receiver: str) -> ReceiptCheck:
    if not isinstance(receipt, Mapping) or receipt.get("type") != RECEIPT_TYPE:
        return ReceiptCheck(False, f"not an {RECEIPT_TYPE}")
    body = {k: v for k, v in receipt.items() if k != "proof"}
    if set(body) != set(_FIELDS):
        return ReceiptCheck(False, f"a receipt has exactly the fields {', '.join(_FIELDS)}")
    if body["receiver"] != receiver:
        return ReceiptCheck(False, f"the receipt names {body['receiver']!r}, not {receiver!r}")
    proof = receipt.get("proof")
    if not isinstance(proof, Mapping) or proof.get("type") != PROOF_TYPE:
        return ReceiptCheck(False, "the receipt carries no JsonWebSignature proof")
    parts = str(proof.get("jws", "")).split(".")
    if len(parts) != 3 or parts[1]:
        return ReceiptCheck(False, "the proof is a compact JWS with a detached payload")
    protected, _, signature = parts
    header = json.loads(b64url_decode(protected))
    if (
        not isinstance(header, dict)
        or header.get("alg") != "EdDSA"
        or header.get("typ") != JWS_TYPE
    ):
        return ReceiptCheck(False, f"the JWS header must have alg EdDSA and typ {JWS_TYPE}")
    kid, iat = header.get("kid"), header.get("iat")
    if not isinstance(kid, str) or not isinstance(iat, int) or isinstance(iat, bool):
        return ReceiptCheck(False, "the JWS header must name its kid and iat")
    key = trust.keys.get(kid)
    if key is None or key.controller != receiver:
        return ReceiptCheck(False, f"{kid} is not a known key of {receiver}")
    signing_input = f"{protected}.{b64url(canonical(body))}".encode("ascii")
    if not key.verify(b64url_decode(signature), signing_input):
        return ReceiptCheck(False, "the receipt's signature does not match: altered or forged")
    signed_at = datetime.fromtimestamp(iat, tz=UTC)
    in_lifetime, why = key.signed_in_lifetime(signed_at)
    if not in_lifetime:
        return ReceiptCheck(False, f"{key.kid}: {why}", key.id, signed_at)
    return ReceiptCheck(True, f"signed by {key.id}", key.id, signed_at)


def receipt_instant(value: datetime) -> str:
    """How a receipt writes its ``received`` time (UTC, microseconds)."""
    return _instant(value)
