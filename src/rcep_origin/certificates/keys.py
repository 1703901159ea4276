"""Issuer keys: Ed25519 key pairs with ids and lifetimes, published as a DID document
(``did:web``) and a JWKS.

A key is *current* from its creation until it is retired by a newer key; a retired key still
verifies what it signed while it was current, so rotation never breaks an issued certificate. A
key reported compromised is *revoked* from an instant on: what it signed from then on fails.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

import base58
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from rcep_origin.errors import RcepOriginError

ED25519_MULTICODEC = b"\xed\x01"


class KeyUnusableError(RcepOriginError, ValueError):
    """A key cannot be used: unknown, malformed, or outside its lifetime."""


def multibase_ed25519(public_key: bytes) -> str:
    return "z" + base58.b58encode(ED25519_MULTICODEC + public_key).decode("ascii")


def public_key_from_multibase(value: str) -> bytes:
    if not value.startswith("z"):
        raise KeyUnusableError("publicKeyMultibase is base58btc and starts with 'z'")
    try:
        raw = base58.b58decode(value[1:])
    except ValueError as exc:
        raise KeyUnusableError(f"publicKeyMultibase does not decode: {exc}") from None
    if raw[:2] != ED25519_MULTICODEC or len(raw) != 34:
        raise KeyUnusableError("publicKeyMultibase is not an Ed25519 public key")
    return raw[2:]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True, slots=True)
class VerificationKey:
    controller: str  # the issuer's DID
    kid: str  # fragment, e.g. "key-20261123-1"
    public_key: bytes  # raw 32 bytes
    created: datetime
    retired: datetime | None = None
    revoked: datetime | None = None

    @property
    def id(self) -> str:
        return f"{self.controller}#{self.kid}"

    @property
    def public_key_multibase(self) -> str:
        return multibase_ed25519(self.public_key)

    def signed_in_lifetime(self, instant: datetime) -> tuple[bool, str]:
        """Whether a signature made at ``instant`` falls in this key's lifetime, and why not."""
        if instant < self.created:
            return (
                False,
                f"signed at {instant.isoformat()}, before the key was created ({self.created.isoformat()})",
            )
        if self.revoked is not None and instant >= self.revoked:
            return False, f"the key was revoked from {self.revoked.isoformat()}"
        if self.retired is not None and instant >= self.retired:
            return (
                False,
                f"signed at {instant.isoformat()}, after the key was retired ({self.retired.isoformat()})",
            )
        return True, "within the key's lifetime"

    def verify(self, signature: bytes, data: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, data)
        except (InvalidSignature, ValueError):
            return False
        return True

    def verification_method(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": "Multikey",
            "controller": self.controller,
            "publicKeyMultibase": self.public_key_multibase,
        }

    def jwk(self) -> dict[str, str]:
        return {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": b64url(self.public_key),
            "kid": self.id,
            "use": "sig",
            "alg": "EdDSA",
        }

    def to_record(self) -> dict[str, Any]:
        return {
            "kid": self.kid,
            "controller": self.controller,
            "publicKeyMultibase": self.public_key_multibase,
            "created": self.created.isoformat(),
            "retired": None if self.retired is None else self.retired.isoformat(),
            "revoked": None if self.revoked is None else self.revoked.isoformat(),
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> VerificationKey:
        try:
            return cls(
                controller=str(record["controller"]),
                kid=str(record["kid"]),
                public_key=public_key_from_multibase(str(record["publicKeyMultibase"])),
                created=datetime.fromisoformat(record["created"]),
                retired=datetime.fromisoformat(record["retired"])
                if record.get("retired")
                else None,
                revoked=datetime.fromisoformat(record["revoked"])
                if record.get("revoked")
                else None,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise KeyUnusableError(f"malformed key record: {exc}") from None


class Signer(Protocol):
    """Signs with one key; the private half never leaves the implementation."""

    @property
    def key(self) -> VerificationKey: ...

    def sign(self, data: bytes) -> bytes: ...


class Ed25519Signer:
    def __init__(self, private_key: Ed25519PrivateKey, key: VerificationKey):
        raw = private_key.public_key().public_bytes_raw()
        if raw != key.public_key:
            raise KeyUnusableError(f"the private key does not match {key.id}")
        self._private_key = private_key
        self._key = key

    @property
    def key(self) -> VerificationKey:
        return self._key

    def sign(self, data: bytes) -> bytes:
        return self._private_key.sign(data)

    def export_private_pem(self) -> bytes:
        """PKCS#8 PEM, for the keystore to keep (unencrypted: protect the file, mode 0600)."""
        return self._private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    @classmethod
    def generate(cls, controller: str, kid: str, created: datetime) -> Ed25519Signer:
        private_key = Ed25519PrivateKey.generate()
        public = private_key.public_key().public_bytes_raw()
        return cls(private_key, VerificationKey(controller, kid, public, created))


class Keyring:
    """The verification keys a verifier trusts, by id, across issuers."""

    def __init__(self, keys: Iterable[VerificationKey] = ()):
        self._keys: dict[str, VerificationKey] = {}
        for key in keys:
            self.add(key)

    def add(self, key: VerificationKey) -> None:
        self._keys[key.id] = key

    def get(self, key_id: str) -> VerificationKey | None:
        return self._keys.get(key_id)

    def for_issuer(self, controller: str) -> list[VerificationKey]:
        return sorted(
            (k for k in self._keys.values() if k.controller == controller), key=lambda k: k.created
        )

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._keys.values())

    def __len__(self) -> int:
        return len(self._keys)


def retire(key: VerificationKey, at: datetime) -> VerificationKey:
    return replace(key, retired=at)


def did_web(domain: str, path: str = "") -> str:
    """``did:web`` for a domain (and optional path), per the did:web method."""
    did = "did:web:" + domain.replace(":", "%3A")
    return did + ("" if not path else ":" + ":".join(p for p in path.strip("/").split("/") if p))


def did_document(controller: str, keys: Iterable[VerificationKey]) -> dict[str, Any]:
    """The DID document a verifier fetches from ``https://DOMAIN/.well-known/did.json``. Revoked
    keys are left out; retired keys stay, so older certificates keep verifying."""
    usable = [k for k in keys if k.controller == controller and k.revoked is None]
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": controller,
        "verificationMethod": [k.verification_method() for k in usable],
        "assertionMethod": [k.id for k in usable],
    }


def jwks(keys: Iterable[VerificationKey]) -> dict[str, Any]:
    return {"keys": [k.jwk() for k in keys if k.revoked is None]}
