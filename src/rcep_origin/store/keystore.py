"""The issuing body's home directory: what must stay files -- the profile, the private keys and
what the issuer publishes. Certificates, numbers, status lists and the audit chain live in the
database (``store.sql``); ``rcep-origin home migrate`` moves an older file-based home there.

Layout of the home directory::

    issuer.json                 the issuer profile (DID, name, Party, signatory, URLs)
    keys/keys.json              every key's public record and lifetime
    keys/<kid>.pem              Ed25519 private keys (mode 0600)
    keys/xml-<kid>.pem|.crt     the P-256 key and self-signed certificate for XML-DSig (subject
                                CN "<did>#<kid>": it shares the key's lifetime)
    public/did.json, jwks.json  what the issuer publishes: every key ever used, with its
                                lifetime, and its XML signing certificate (certificates.keys)
    rcep-origin.db              the registry (SQLite), unless a database URL names another

Every write goes to a temporary file and is renamed into place.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from rcep_origin.certificates.issuer import IssuerProfile
from rcep_origin.certificates.keys import (
    Ed25519Signer,
    Keyring,
    Signer,
    VerificationKey,
    did_document,
    jwks,
    retire,
)
from rcep_origin.certificates.model import Certificate
from rcep_origin.certificates.verification import TrustStore
from rcep_origin.errors import InputError
from rcep_origin.store.key_protection import HsmKeyReference, KeyProtection, Pkcs11Signer

if TYPE_CHECKING:  # signxml and lxml load only when XML is signed
    from rcep_origin.certificates.xml_form import XmlCertificateSigner


class StoreError(InputError):
    """The home directory is missing, incomplete or inconsistent."""


def _write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _write_json(path: Path, value: Any, mode: int = 0o644) -> None:
    _write_atomic(
        path, (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8"), mode
    )


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise StoreError(f"{path} is missing") from None
    except json.JSONDecodeError as exc:
        raise StoreError(f"{path} is not valid JSON: {exc}") from None


class FileKeystore:
    """The issuer's profile and keys in the home directory."""

    def __init__(self, home: Path, protection: KeyProtection | None = None):
        self.home = Path(home)
        self.keys_dir = self.home / "keys"
        # Passphrase or HSM, from the environment unless given (store/key_protection.py).
        self.protection = protection or KeyProtection.from_environment()
        self._signer: tuple[str, Signer] | None = None

    def profile(self) -> IssuerProfile:
        return IssuerProfile.model_validate(_read_json(self.home / "issuer.json"))

    def save_profile(self, profile: IssuerProfile) -> None:
        _write_json(self.home / "issuer.json", profile.model_dump(mode="json"))

    def records(self) -> list[dict[str, Any]]:
        path = self.keys_dir / "keys.json"
        return list(_read_json(path)["keys"]) if path.exists() else []

    def keyring(self) -> Keyring:
        return Keyring(VerificationKey.from_record(r) for r in self.records())

    def create_key(self, now: datetime | None = None) -> VerificationKey:
        """A new current key; the previous current key is retired (it keeps verifying)."""
        profile = self.profile()
        # Whole seconds: proofs record their time to the second (xsd:dateTime), and a key
        # created at 10:00:00.7 must cover a proof made at 10:00:00.
        now = (now or datetime.now(UTC)).replace(microsecond=0)
        records = self.records()
        kid = f"key-{now:%Y%m%d}-{len(records) + 1}"
        signer: Signer
        if self.protection.uses_hsm:
            signer, reference = Pkcs11Signer.generate(
                self.protection, controller=profile.did, kid=kid, created=now
            )
            _write_json(self.keys_dir / f"{kid}.hsm", reference.to_record(), mode=0o600)
        else:
            generated = Ed25519Signer.generate(profile.did, kid, now)
            pem = generated.export_private_pem(self.protection.encryption())
            _write_atomic(self.keys_dir / f"{kid}.pem", pem, mode=0o600)
            signer = generated
        # The old key stays current to the end of this second: proofs are stamped to the second,
        # and one signed just before the rotation must still fall inside its key's lifetime.
        retired_at = now + timedelta(seconds=1)
        keys = [
            retire(k, retired_at) if k.retired is None and k.revoked is None else k
            for k in (VerificationKey.from_record(r) for r in records)
        ]
        keys.append(signer.key)
        self._signer = (kid, signer)
        self._make_xml_identity(profile, kid, now)
        self._save_keys(keys)
        return signer.key

    def revoke_key(self, kid: str, at: datetime) -> VerificationKey:
        """Report key ``kid`` (and its XML signing certificate) compromised from ``at``: what it
        signed from then on fails. It stays published, marked ``revoked``, so what it signed
        before still verifies (a key left out of did.json would fail everything it signed)."""
        if at.tzinfo is None:
            raise StoreError("the revocation instant names its time zone", path="at")
        at = at.replace(microsecond=0)
        keys = [VerificationKey.from_record(r) for r in self.records()]
        found = [k for k in keys if k.kid == kid]
        if not found:
            raise StoreError(f"no key {kid}", path="kid")
        # A revocation only ever moves earlier: published verifiers keep the first instant
        # (CID: "once the value is set, it is not expected to be updated"), and a later one
        # would widen what the compromised key may have signed.
        updated = [
            k
            if k.kid != kid
            else replace(k, revoked=at if k.revoked is None else min(k.revoked, at))
            for k in keys
        ]
        self._save_keys(updated)
        return next(k for k in updated if k.kid == kid)

    def _save_keys(self, keys: list[VerificationKey]) -> None:
        profile = self.profile()
        _write_json(
            self.keys_dir / "keys.json",
            {"issuer": profile.did, "keys": [k.to_record() for k in keys]},
        )
        self.publish()

    def did_document(self) -> dict[str, Any]:
        """What ``public/did.json`` holds: every key with its lifetime and XML certificate."""
        return did_document(self.profile().did, list(self.keyring()), self.xml_certificates())

    def jwks(self) -> dict[str, Any]:
        """What ``public/jwks.json`` holds: every key with its lifetime and XML certificate."""
        return jwks(list(self.keyring()), self.xml_certificates())

    def publish(self) -> None:
        """(Re)write ``public/did.json`` and ``public/jwks.json`` from the keys."""
        _write_json(self.home / "public" / "did.json", self.did_document())
        _write_json(self.home / "public" / "jwks.json", self.jwks())

    def add_to(self, trust: TrustStore) -> None:
        """Trust this issuer's keys and XML signing certificates, lifetimes included."""
        did = self.profile().did
        for key in self.keyring():
            trust.keys.merge(key)
        for certificate in self.xml_certificates():
            trust.add_xml_certificate(did, certificate)

    def current_signer(self) -> Signer:
        """The current key's signer: from its (possibly encrypted) file, or on its token. Kept
        while the key stays current, so an HSM session is opened once, not per certificate."""
        current = [k for k in self.keyring() if k.retired is None and k.revoked is None]
        if not current:
            raise StoreError("no current signing key: run 'rcep-origin keys create'")
        key = current[-1]
        if self._signer is not None and self._signer[0] == key.kid and self._signer[1].key == key:
            return self._signer[1]
        hsm = self.keys_dir / f"{key.kid}.hsm"
        signer: Signer
        if hsm.exists():
            reference = HsmKeyReference.from_record(_read_json(hsm))
            signer = Pkcs11Signer(reference, self.protection.pkcs11_pin, key)
        else:
            loaded = self.protection.load_private(self.keys_dir / f"{key.kid}.pem")
            if not isinstance(loaded, Ed25519PrivateKey):
                raise StoreError(f"{key.kid}.pem is not an Ed25519 key")
            signer = Ed25519Signer(loaded, key)
        self._signer = (key.kid, signer)
        return signer

    def protect(self) -> list[str]:
        """Encrypt every private key file under the configured passphrase (an older home's
        keys were written in the clear); returns the files rewritten."""
        if self.protection.passphrase is None:
            raise StoreError("set RCEP_ORIGIN_KEY_PASSPHRASE (or _FILE) to encrypt the keys")
        rewritten = []
        for path in sorted(self.keys_dir.glob("*.pem")):
            key = self.protection.load_private(path)
            encrypted = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                self.protection.encryption(),
            )
            if encrypted != path.read_bytes():
                _write_atomic(path, encrypted, mode=0o600)
                rewritten.append(path.name)
        return rewritten

    def _make_xml_identity(self, profile: IssuerProfile, kid: str, now: datetime) -> None:
        from rcep_origin.certificates.xml_form import make_xml_signing_identity

        private_key, certificate = make_xml_signing_identity(
            f"{profile.did}#{kid}", valid_from=now - timedelta(minutes=5)
        )
        pem = private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            self.protection.encryption(),
        )
        _write_atomic(self.keys_dir / f"xml-{kid}.pem", pem, mode=0o600)
        _write_atomic(
            self.keys_dir / f"xml-{kid}.crt", certificate.public_bytes(serialization.Encoding.PEM)
        )

    def xml_identity(self) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
        kid = self.current_signer().key.kid
        loaded = self.protection.load_private(self.keys_dir / f"xml-{kid}.pem")
        if not isinstance(loaded, ec.EllipticCurvePrivateKey):
            raise StoreError(f"xml-{kid}.pem is not an EC key")
        return loaded, x509.load_pem_x509_certificate(
            (self.keys_dir / f"xml-{kid}.crt").read_bytes()
        )

    def xml_signer(self, clock: Callable[[], datetime] | None = None) -> XmlCertificateSigner:
        """Renders a certificate as XML and signs it with the current XML-DSig identity. The
        signing time it stamps (and the verifier checks against the key's lifetime) is the one
        the caller passes, else ``clock()``, else now: an issuer passes the instant it stamps
        on the JSON proof and the JWT, so the forms agree."""
        private_key, certificate = self.xml_identity()
        return _XmlSigner(private_key, certificate, clock)

    def xml_certificates(self) -> list[x509.Certificate]:
        return [
            x509.load_pem_x509_certificate(p.read_bytes())
            for p in sorted(self.keys_dir.glob("xml-*.crt"))
        ]


class _XmlSigner:
    def __init__(
        self,
        private_key: ec.EllipticCurvePrivateKey,
        certificate: x509.Certificate,
        clock: Callable[[], datetime] | None,
    ):
        self._private_key = private_key
        self._certificate = certificate
        self._clock = clock

    def __call__(self, certificate: Certificate, signed_at: datetime | None = None) -> bytes:
        from rcep_origin.certificates.xml_form import certificate_to_xml, sign_xml

        if signed_at is None and self._clock is not None:
            signed_at = self._clock()
        return sign_xml(
            certificate_to_xml(certificate),
            self._private_key,
            self._certificate,
            signed_at=signed_at,
        )
