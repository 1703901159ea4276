"""The credential as a JWT (VC-JOSE-COSE, media type ``application/vc+jwt``): a compact JWS
whose payload is the unsecured credential, signed with the same Ed25519 key.

The signature is made through the ``Signer`` interface (the private key never leaves it);
parsing and verifying use joserfc. ``alg`` is ``EdDSA`` for the widest compatibility (RFC 9864's
fully specified ``Ed25519`` is accepted when verifying too).
"""

from __future__ import annotations

import base64
import json
import warnings
from datetime import datetime
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey
from joserfc.registry import HeaderParameter

from rcep_origin.certificates.keys import Signer, VerificationKey
from rcep_origin.errors import InputError

MEDIA_TYPE = "application/vc+jwt"
MAX_JWT_BYTES = 1024 * 1024
_ALGORITHMS = ["EdDSA", "Ed25519"]
# ``iat`` in the protected header is ours (JWS allows extra parameters); register it.
_REGISTRY = jws.JWSRegistry(
    header_registry={"iat": HeaderParameter("Issued at (seconds since the epoch)", "int")},
    algorithms=_ALGORITHMS,
)


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


def decode_jwt(token: str, key: VerificationKey) -> dict[str, Any] | None:
    """The payload if the signature verifies with ``key``, else None."""
    try:
        public = OKPKey.import_key({"kty": "OKP", "crv": "Ed25519", "x": key.jwk()["x"]})
        with warnings.catch_warnings():
            # joserfc flags "EdDSA" (RFC 9864 prefers "Ed25519"); we chose it for compatibility.
            warnings.simplefilter("ignore")
            result = jws.deserialize_compact(
                token, public, algorithms=_ALGORITHMS, registry=_REGISTRY
            )
        payload: dict[str, Any] = json.loads(result.payload)
    except (JoseError, ValueError):
        return None
    return payload
