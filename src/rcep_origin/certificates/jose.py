"""The credential as a JWT (VC-JOSE-COSE, media type ``application/vc+jwt``): a compact JWS
whose payload is the unsecured credential, signed with the same Ed25519 key.

The signature is made through the ``Signer`` interface (the private key never leaves it).
``alg`` is ``EdDSA`` for the widest compatibility (RFC 9864's fully specified ``Ed25519`` is
accepted when verifying too).

Verifying is done here rather than by a JOSE library: a compact JWS with one algorithm is three
base64url parts and one Ed25519 check, and joserfc's key import and header registry cost more
per token than the signature itself. It is as strict as joserfc (RFC 7515): each part in
canonical base64url (no padding, no other characters, unused bits zero), ``alg`` one of ours,
no header parameter but ``alg``, ``typ``, ``cty``, ``kid`` and ``iat`` (so no ``crit`` and no
unencoded payload, ``b64``); the tests hold it to joserfc's answers.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import datetime
from typing import Any

from rcep_origin.certificates.keys import Signer, VerificationKey
from rcep_origin.errors import InputError

MEDIA_TYPE = "application/vc+jwt"
MAX_JWT_BYTES = 1024 * 1024
ALGORITHMS = ("EdDSA", "Ed25519")
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
# The last character of a part whose length leaves 2 or 1 padding characters off: those whose
# unused low bits are zero (any other would decode to the same bytes: a second spelling).
_CANONICAL_ENDINGS = ("AEIMQUYcgkosw048", "AQgw")
# The header parameters a token of ours may carry, and their types: anything else (``crit``,
# ``b64``, ``jwk``, ``x5c``, private names) is refused.
_HEADER_TYPES: dict[str, type] = {"alg": str, "typ": str, "cty": str, "kid": str, "iat": int}


class JwtFormError(InputError):
    pass


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def encode_jwt(credential: dict[str, Any], signer: Signer, issued_at: datetime) -> str:
    """``iat`` (in the protected header) records when it was signed, for the key-lifetime check."""
    if "proof" in credential:
        raise ValueError("a VC-JOSE payload is the unsecured credential, without proof")
    header = {
        "alg": "EdDSA",
        "typ": "vc+jwt",
        "cty": "vc",
        "kid": signer.key.id,
        "iat": int(issued_at.timestamp()),
    }
    signing_input = (
        _b64(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + _b64(json.dumps(credential, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    )
    return signing_input + "." + _b64(signer.sign(signing_input.encode("ascii")))


def jwt_header(token: str) -> dict[str, Any]:
    if len(token) > MAX_JWT_BYTES or token.count(".") != 2:
        raise JwtFormError("not a compact JWS")
    try:
        header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    except (ValueError, UnicodeDecodeError) as exc:
        raise JwtFormError(f"the JWS header does not decode: {exc}") from None
    if (
        not isinstance(header, dict)
        or header.get("typ") != "vc+jwt"
        or not isinstance(header.get("kid"), str)
    ):
        raise JwtFormError("the JWS header must have typ vc+jwt and a kid")
    if not isinstance(header.get("iat"), int):
        raise JwtFormError("the JWS header must have iat, the time of signing")
    return header


def _b64url_decode(part: str) -> bytes:
    """Strict base64url (RFC 7515 §2): unpadded, canonical, nothing else."""
    pad = -len(part) % 4
    if (
        _BASE64URL.fullmatch(part) is None
        or pad == 3
        or (pad and part[-1] not in _CANONICAL_ENDINGS[pad - 1])
    ):
        raise ValueError("not canonical base64url")
    return base64.urlsafe_b64decode(part + "=" * pad)


def decode_jwt(token: str, key: VerificationKey) -> Any:
    """The payload (parsed JSON) if the signature verifies with ``key``, else None."""
    if len(token) > MAX_JWT_BYTES:
        return None
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        header = json.loads(_b64url_decode(parts[0]))
        if (
            not isinstance(header, dict)
            or not header.keys() <= _HEADER_TYPES.keys()
            or header.get("alg") not in ALGORITHMS
            or not all(isinstance(header[k], _HEADER_TYPES[k]) for k in header)
            or isinstance(header.get("iat"), bool)
        ):
            return None
        payload = _b64url_decode(parts[1])
        signature = _b64url_decode(parts[2])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not key.verify(signature, f"{parts[0]}.{parts[1]}".encode("ascii")):
        return None
    try:
        return json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return None
