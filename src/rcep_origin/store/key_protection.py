"""How an issuing body keeps its private signing keys: encrypted at rest under a passphrase, or
inside a hardware security module (PKCS#11) where they never leave the device.

Both are chosen in the environment, so no secret is ever written to the home directory or
passed on a command line:

    RCEP_ORIGIN_KEY_PASSPHRASE (or _FILE)   new keys are written as encrypted PKCS#8
                                            (AES-256-CBC under scrypt/PBKDF2, cryptography's
                                            BestAvailableEncryption); encrypted keys need it
    RCEP_ORIGIN_PKCS11_MODULE               the PKCS#11 library, e.g.
                                            /usr/lib/softhsm/libsofthsm2.so
    RCEP_ORIGIN_PKCS11_TOKEN, _PIN          the token's label and its user PIN

With a PKCS#11 module set, ``keys create`` generates the Ed25519 key on the token (CKM_EDDSA)
and records only where it is (``keys/<kid>.hsm``); signing happens on the device. The XML form's
P-256 key stays a (passphrase-protected) file: signxml signs with an in-memory key only.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from rcep_origin.certificates.keys import KeyUnusableError, VerificationKey
from rcep_origin.errors import InputError

ED25519_OID = "1.3.101.112"


class KeyProtectionError(InputError):
    """A private key cannot be read or made as the configuration asks (wrong or missing
    passphrase, unreachable token, wrong PIN)."""


@dataclass(frozen=True)
class KeyProtection:
    passphrase: bytes | None = None
    pkcs11_module: str | None = None
    pkcs11_token: str | None = None
    pkcs11_pin: str | None = None

    @classmethod
    def from_environment(cls) -> KeyProtection:
        passphrase = os.environ.get("RCEP_ORIGIN_KEY_PASSPHRASE")
        passphrase_file = os.environ.get("RCEP_ORIGIN_KEY_PASSPHRASE_FILE")
        if passphrase is None and passphrase_file:
            passphrase = Path(passphrase_file).read_text("utf-8").rstrip("\n")
        return cls(
            passphrase=passphrase.encode("utf-8") if passphrase else None,
            pkcs11_module=os.environ.get("RCEP_ORIGIN_PKCS11_MODULE") or None,
            pkcs11_token=os.environ.get("RCEP_ORIGIN_PKCS11_TOKEN") or None,
            pkcs11_pin=os.environ.get("RCEP_ORIGIN_PKCS11_PIN") or None,
        )

    @property
    def uses_hsm(self) -> bool:
        return self.pkcs11_module is not None

    def encryption(self) -> serialization.KeySerializationEncryption:
        if self.passphrase is None:
            return serialization.NoEncryption()
        return serialization.BestAvailableEncryption(self.passphrase)

    def load_private(self, path: Path) -> PrivateKeyTypes:
        data = path.read_bytes()
        encrypted = b"ENCRYPTED" in data.split(b"\n", 1)[0]
        if encrypted and self.passphrase is None:
            raise KeyProtectionError(
                f"{path.name} is encrypted: set RCEP_ORIGIN_KEY_PASSPHRASE (or _FILE)"
            )
        try:
            return serialization.load_pem_private_key(
                data, password=self.passphrase if encrypted else None
            )
        except (ValueError, TypeError):
            raise KeyProtectionError(
                f"{path.name} cannot be read with this passphrase"
                if encrypted
                else f"{path.name} is not a private key"
            ) from None


# -- PKCS#11 -------------------------------------------------------------------------------------

_libraries: dict[str, Any] = {}
_library_lock = threading.Lock()


def _library(module: str) -> Any:
    import pkcs11  # imported only where an HSM is configured

    with _library_lock:
        if module not in _libraries:
            try:
                _libraries[module] = pkcs11.lib(module)
            except (RuntimeError, OSError) as exc:
                raise KeyProtectionError(
                    f"the PKCS#11 module {module} cannot be loaded: {exc}"
                ) from None
        return _libraries[module]


@dataclass(frozen=True)
class HsmKeyReference:
    module: str
    token: str
    label: str

    def to_record(self) -> dict[str, str]:
        return {"module": self.module, "token": self.token, "label": self.label}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> HsmKeyReference:
        return cls(str(record["module"]), str(record["token"]), str(record["label"]))


class Pkcs11Signer:
    """``certificates.Signer`` over a key on a PKCS#11 token: the private key never leaves it.
    One session per signer, used under a lock (PKCS#11 sessions are not for two threads)."""

    def __init__(self, reference: HsmKeyReference, pin: str | None, key: VerificationKey):
        import pkcs11
        from pkcs11 import Attribute, KeyType, ObjectClass

        self._reference, self._key, self._lock = reference, key, threading.Lock()
        try:
            token = _library(reference.module).get_token(token_label=reference.token)
            try:
                self._session = token.open(user_pin=pin)
            except pkcs11.UserAlreadyLoggedIn:
                # A login belongs to the process, not the session: another session has it.
                self._session = token.open()
            private = self._session.get_key(
                object_class=ObjectClass.PRIVATE_KEY,
                key_type=KeyType.EC_EDWARDS,
                label=reference.label,
            )
            public = self._session.get_key(
                object_class=ObjectClass.PUBLIC_KEY,
                key_type=KeyType.EC_EDWARDS,
                label=reference.label,
            )
        except pkcs11.PKCS11Error as exc:
            raise KeyProtectionError(
                f"the key {reference.label!r} on token {reference.token!r} cannot be used: "
                f"{type(exc).__name__}"
            ) from None
        if _raw_point(public[Attribute.EC_POINT]) != key.public_key:
            raise KeyUnusableError(f"the token's key {reference.label!r} is not {key.id}")
        self._private = private

    @property
    def key(self) -> VerificationKey:
        return self._key

    def sign(self, data: bytes) -> bytes:
        from pkcs11 import Mechanism

        with self._lock:
            signature: bytes = self._private.sign(data, mechanism=Mechanism.EDDSA)
        return signature

    @classmethod
    def generate(
        cls,
        protection: KeyProtection,
        *,
        controller: str,
        kid: str,
        created: datetime,
    ) -> tuple[Pkcs11Signer, HsmKeyReference]:
        """A new Ed25519 key pair made on the token (private part not extractable)."""
        import pkcs11
        from pkcs11 import Attribute, KeyType, Mechanism
        from pkcs11.util.ec import encode_named_curve_parameters

        if protection.pkcs11_module is None or protection.pkcs11_token is None:
            raise KeyProtectionError("set RCEP_ORIGIN_PKCS11_MODULE and RCEP_ORIGIN_PKCS11_TOKEN")
        reference = HsmKeyReference(protection.pkcs11_module, protection.pkcs11_token, kid)
        try:
            token = _library(reference.module).get_token(token_label=reference.token)
            try:
                opened = token.open(user_pin=protection.pkcs11_pin, rw=True)
            except pkcs11.UserAlreadyLoggedIn:
                opened = token.open(rw=True)
            with opened as session:
                parameters = session.create_domain_parameters(
                    KeyType.EC_EDWARDS,
                    {Attribute.EC_PARAMS: encode_named_curve_parameters(ED25519_OID)},
                    local=True,
                )
                public, _ = parameters.generate_keypair(
                    mechanism=Mechanism.EC_EDWARDS_KEY_PAIR_GEN,
                    store=True,
                    label=kid,
                    private_template={Attribute.EXTRACTABLE: False, Attribute.SENSITIVE: True},
                )
                point = _raw_point(public[Attribute.EC_POINT])
        except pkcs11.PKCS11Error as exc:
            raise KeyProtectionError(
                f"no key could be made on token {reference.token!r}: {type(exc).__name__}"
            ) from None
        key = VerificationKey(controller, kid, point, created)
        return cls(reference, protection.pkcs11_pin, key), reference


def _raw_point(value: bytes) -> bytes:
    # CKA_EC_POINT is a DER OCTET STRING (04 20 || 32 bytes) on most tokens, raw on a few.
    if len(value) == 34 and value[:2] == b"\x04\x20":
        return value[2:]
    return value
