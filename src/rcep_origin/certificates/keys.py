"""Issuer keys: Ed25519 key pairs with ids and lifetimes, published as a DID document
(``did:web``) and a JWKS, together with the XML-DSig certificate made for each key.

A key is *current* from its creation until it is retired by a newer key; a retired key still
verifies what it signed while it was current, so rotation never breaks an issued certificate. A
key reported compromised is *revoked* from an instant on: what it signed from then on fails.

What the issuer publishes keeps every key it ever signed with, with its lifetime, so that an
importer holding only the published files verifies what was signed inside that lifetime and
refuses what was signed outside it:

* ``did.json`` (W3C Controlled Identifiers 1.0, CID, §2.2 verification methods): a retired key
  carries ``expires`` (the instant it ceased to be used for signing) and a compromised one
  ``revoked`` (the instant from which it MUST NOT be used). CID reads both against when a proof
  was made: "systems depending on the value are expected to not verify any proofs associated
  with the verification method at or after the time of" expiration / revocation, and its
  revocation semantics say proofs "created after its revocation should be treated as invalid".
  A method removed from the document would instead be "considered invalid or revoked" outright
  (CID §2.3), failing every certificate it ever signed -- which is why no key is ever dropped.
  CID defines no start for a method, so a key's creation instant is not in ``did.json``.
* ``jwks.json`` (RFC 7517): JWK members ``iat`` (created), ``exp`` (retired) and ``revoked``
  ``{"revoked_at", "reason"}`` as NumericDate seconds, the members OpenID Federation 1.0 uses for
  its historical keys; RFC 7517 §4 has implementations ignore members they do not understand,
  so ordinary JWKS consumers are unaffected.

The XML form is signed with ECDSA P-256 under a self-signed X.509 certificate per key
(``keys/xml-<kid>.crt``, subject CN ``<did>#<kid>``): it shares its key's lifetime, and is
published as a ``JsonWebKey`` method (``<did>#xml-<kid>``) / an EC JWK whose ``x5c`` holds the
certificate, so the XML form too verifies from the published files alone.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Protocol

import base58
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.x509.oid import NameOID

from rcep_origin.errors import InputError, RcepOriginError

ED25519_MULTICODEC = b"\xed\x01"
DID_CONTEXTS = [
    "https://www.w3.org/ns/did/v1",  # first: verifiers special-case a DID document by it
    "https://w3id.org/security/multikey/v1",  # Multikey, with expires and revoked
    "https://w3id.org/security/jwk/v1",  # JsonWebKey, with expires and revoked
]
XML_KEY_PREFIX = "xml-"  # the XML certificate of key K is published as <did>#xml-K


class KeyUnusableError(RcepOriginError, ValueError):
    """A key cannot be used: unknown, malformed, or outside its lifetime."""


class PublishedKeysError(InputError):
    """A published DID document, JWKS or key list cannot be read; ``path`` names the member."""


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


def b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def xsd_instant(instant: datetime) -> str:
    """An xsd:dateTimeStamp in UTC (``2026-11-20T09:00:00Z``), fractions only when present."""
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _numeric_date(instant: datetime, *, up: bool) -> int:
    # NumericDate in whole seconds (RFC 7519 §2), rounded towards the stricter lifetime: a start
    # later, an end earlier. The keystore keeps whole seconds, so nothing is rounded there.
    seconds = instant.timestamp()
    return math.ceil(seconds) if up else math.floor(seconds)


@dataclass(frozen=True, slots=True)
class VerificationKey:
    controller: str  # the issuer's DID
    kid: str  # fragment, e.g. "key-20261123-1"
    public_key: bytes  # raw 32 bytes
    # None: not known to this verifier (a DID document publishes no start for a method).
    created: datetime | None
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
        if self.created is not None and instant < self.created:
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
        if self.revoked is not None:
            return True, (
                f"signed at {instant.isoformat()}, before the key was revoked "
                f"({self.revoked.isoformat()})"
            )
        return True, "within the key's lifetime"

    def verify(self, signature: bytes, data: bytes) -> bool:
        try:
            _ed25519_public(self.public_key).verify(signature, data)
        except (InvalidSignature, ValueError):
            return False
        return True

    def lifetime_members(self) -> dict[str, str]:
        """``expires`` / ``revoked`` of a CID verification method (see the module's docstring)."""
        members = {}
        if self.retired is not None:
            members["expires"] = xsd_instant(self.retired)
        if self.revoked is not None:
            members["revoked"] = xsd_instant(self.revoked)
        return members

    def jwk_lifetime_members(self) -> dict[str, Any]:
        """``iat`` / ``exp`` / ``revoked`` of a JWK (see the module's docstring)."""
        members: dict[str, Any] = {}
        if self.created is not None:
            members["iat"] = _numeric_date(self.created, up=True)
        if self.retired is not None:
            members["exp"] = _numeric_date(self.retired, up=False)
        if self.revoked is not None:
            members["revoked"] = {
                "revoked_at": _numeric_date(self.revoked, up=False),
                "reason": "compromised",
            }
        return members

    def verification_method(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": "Multikey",
            "controller": self.controller,
            "publicKeyMultibase": self.public_key_multibase,
            **self.lifetime_members(),
        }

    def jwk(self) -> dict[str, Any]:
        return {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": b64url(self.public_key),
            "kid": self.id,
            "use": "sig",
            "alg": "EdDSA",
            **self.jwk_lifetime_members(),
        }

    def to_record(self) -> dict[str, Any]:
        return {
            "kid": self.kid,
            "controller": self.controller,
            "publicKeyMultibase": self.public_key_multibase,
            "created": None if self.created is None else self.created.isoformat(),
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
                created=datetime.fromisoformat(record["created"])
                if record.get("created")
                else None,
                retired=datetime.fromisoformat(record["retired"])
                if record.get("retired")
                else None,
                revoked=datetime.fromisoformat(record["revoked"])
                if record.get("revoked")
                else None,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise KeyUnusableError(f"malformed key record: {exc}") from None


@lru_cache(maxsize=1024)
def _ed25519_public(raw: bytes) -> Ed25519PublicKey:
    # The key object once per key, not once per signature checked.
    return Ed25519PublicKey.from_public_bytes(raw)


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

    def export_private_pem(
        self, encryption: serialization.KeySerializationEncryption | None = None
    ) -> bytes:
        """PKCS#8 PEM for the keystore to keep: encrypted when it passes an encryption (a
        passphrase), else in the clear (then only the file's mode 0600 protects it)."""
        return self._private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            encryption or serialization.NoEncryption(),
        )

    @classmethod
    def generate(cls, controller: str, kid: str, created: datetime) -> Ed25519Signer:
        private_key = Ed25519PrivateKey.generate()
        public = private_key.public_key().public_bytes_raw()
        return cls(private_key, VerificationKey(controller, kid, public, created))


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Keyring:
    """The verification keys a verifier trusts, by id, across issuers."""

    def __init__(self, keys: Iterable[VerificationKey] = ()):
        self._keys: dict[str, VerificationKey] = {}
        for key in keys:
            self.add(key)

    def add(self, key: VerificationKey) -> None:
        self._keys[key.id] = key

    def merge(self, key: VerificationKey) -> None:
        """Add a key learnt from one more source (a DID document and a JWKS): the same public
        key keeps the strictest lifetime either gives; another key under the same id is refused."""
        known = self._keys.get(key.id)
        if known is None:
            self.add(key)
            return
        if known.public_key != key.public_key:
            raise KeyUnusableError(f"two different public keys are published as {key.id}")
        self.add(
            replace(
                known,
                created=_latest(known.created, key.created),
                retired=_earliest(known.retired, key.retired),
                revoked=_earliest(known.revoked, key.revoked),
            )
        )

    def get(self, key_id: str) -> VerificationKey | None:
        return self._keys.get(key_id)

    def for_issuer(self, controller: str) -> list[VerificationKey]:
        return sorted(
            (k for k in self._keys.values() if k.controller == controller),
            key=lambda k: k.created or _EPOCH,
        )

    def __iter__(self) -> Iterator[VerificationKey]:
        return iter(self._keys.values())

    def __len__(self) -> int:
        return len(self._keys)


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else max(a, b)


def retire(key: VerificationKey, at: datetime) -> VerificationKey:
    return replace(key, retired=at)


def did_web(domain: str, path: str = "") -> str:
    """``did:web`` for a domain (and optional path), per the did:web method."""
    did = "did:web:" + domain.replace(":", "%3A")
    return did + ("" if not path else ":" + ":".join(p for p in path.strip("/").split("/") if p))


# ------------------------------------------------------------------- XML signing certificates


def xml_certificate_key_id(certificate: x509.Certificate) -> str | None:
    """The id (``<did>#<kid>``) of the key an XML signing certificate was made for: its subject
    common name, as the keystore writes it. None for a certificate named otherwise."""
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    value = names[0].value if names else None
    if not isinstance(value, str) or "#" not in value:
        return None
    controller, _, kid = value.partition("#")
    return value if controller.startswith("did:") and kid else None


def _ec_p256_jwk(public_key: ec.EllipticCurvePublicKey) -> dict[str, str]:
    numbers = public_key.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url(numbers.x.to_bytes(32, "big")),
        "y": b64url(numbers.y.to_bytes(32, "big")),
    }


def _xml_parts(
    controller: str, certificate: x509.Certificate, keys: Mapping[str, VerificationKey]
) -> tuple[str, dict[str, Any], VerificationKey] | None:
    """The published id, EC JWK (with x5c) and owning key of an XML certificate, or None when
    it belongs to no key of ``controller`` (it is then not published: nothing would bound it)."""
    key_id = xml_certificate_key_id(certificate)
    key = None if key_id is None else keys.get(key_id)
    public = certificate.public_key()
    if (
        key is None
        or key.controller != controller
        or not isinstance(public, ec.EllipticCurvePublicKey)
        or not isinstance(public.curve, ec.SECP256R1)
    ):
        return None
    der = certificate.public_bytes(serialization.Encoding.DER)
    jwk: dict[str, Any] = {
        **_ec_p256_jwk(public),
        "alg": "ES256",
        "use": "sig",
        # RFC 7517 §4.7: standard base64 (not base64url) of the DER certificate.
        "x5c": [base64.b64encode(der).decode("ascii")],
    }
    return f"{controller}#{XML_KEY_PREFIX}{key.kid}", jwk, key


def did_document(
    controller: str,
    keys: Iterable[VerificationKey],
    xml_certificates: Iterable[x509.Certificate] = (),
) -> dict[str, Any]:
    """The DID document a verifier fetches from ``https://DOMAIN/.well-known/did.json``: every
    key with its lifetime (retired ones ``expires``, compromised ones ``revoked``), each followed
    by its XML signing certificate as a ``JsonWebKey`` with the same lifetime. All are assertion
    methods: a certificate signed inside a key's lifetime keeps verifying after it ends."""
    own = [k for k in keys if k.controller == controller]
    by_id = {k.id: k for k in own}
    xml_by_key: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for certificate in xml_certificates:
        parts = _xml_parts(controller, certificate, by_id)
        if parts is not None:
            xml_by_key.setdefault(parts[2].id, []).append((parts[0], parts[1]))
    methods: list[dict[str, Any]] = []
    for key in own:
        methods.append(key.verification_method())
        for method_id, jwk in xml_by_key.get(key.id, []):
            methods.append(
                {
                    "id": method_id,
                    "type": "JsonWebKey",
                    "controller": controller,
                    "publicKeyJwk": {**jwk, "kid": method_id},
                    **key.lifetime_members(),
                }
            )
    return {
        "@context": list(DID_CONTEXTS),
        "id": controller,
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }


def jwks(
    keys: Iterable[VerificationKey], xml_certificates: Iterable[x509.Certificate] = ()
) -> dict[str, Any]:
    """The JWK Set: every Ed25519 key (``kid`` is its full id) with ``iat`` / ``exp`` /
    ``revoked``, each followed by its XML signing certificate as an EC P-256 JWK with ``x5c``
    and the same lifetime members."""
    listed = list(keys)
    by_id = {k.id: k for k in listed}
    xml_by_key: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for certificate in xml_certificates:
        key_id = xml_certificate_key_id(certificate)
        owner = None if key_id is None else by_id.get(key_id)
        parts = None if owner is None else _xml_parts(owner.controller, certificate, by_id)
        if parts is not None:
            xml_by_key.setdefault(parts[2].id, []).append((parts[0], parts[1]))
    entries: list[dict[str, Any]] = []
    for key in listed:
        entries.append(key.jwk())
        for method_id, jwk in xml_by_key.get(key.id, []):
            entries.append({**jwk, "kid": method_id, **key.jwk_lifetime_members()})
    return {"keys": entries}


# ------------------------------------------------------------------- reading what is published


@dataclass
class PublishedKeys:
    """What a DID document, a JWKS or a key list makes known: Ed25519 keys with lifetimes, and
    XML signing certificates by the issuer that publishes them."""

    keys: list[VerificationKey] = field(default_factory=list)
    xml_certificates: list[tuple[str, x509.Certificate]] = field(default_factory=list)


def read_published(document: Mapping[str, Any]) -> PublishedKeys:
    """Read a published ``did.json`` or ``jwks.json`` (or the keystore's ``keys.json``).

    Only what can be checked is kept: a DID document's assertion methods that are its own
    (controller = the document's id), Ed25519 keys as ``Multikey`` or ``JsonWebKey``, and P-256
    keys whose ``x5c`` certificate holds that very key (RFC 7517 §4.7). Anything else is left out,
    so it can never verify a certificate; a malformed member is an error naming it.
    """
    if not isinstance(document, Mapping):
        raise PublishedKeysError("a DID document or a JWKS is a JSON object")
    if "verificationMethod" in document or str(document.get("id", "")).startswith("did:"):
        return _read_did_document(document)
    entries = document.get("keys")
    if not isinstance(entries, list):
        raise PublishedKeysError(
            "neither a DID document (verificationMethod) nor a JWKS or key list (keys)"
        )
    published = PublishedKeys()
    for position, entry in enumerate(entries):
        path = f"keys[{position}]"
        if not isinstance(entry, Mapping):
            raise PublishedKeysError("a key is a JSON object", path=path)
        if "kty" in entry:
            _read_jwk_entry(entry, path, published)
        else:  # the keystore's own record (keys/keys.json)
            try:
                published.keys.append(VerificationKey.from_record(dict(entry)))
            except KeyUnusableError as exc:
                raise PublishedKeysError(str(exc), path=path) from None
    return published


def _read_did_document(document: Mapping[str, Any]) -> PublishedKeys:
    controller = document.get("id")
    if not isinstance(controller, str) or not controller.startswith("did:"):
        raise PublishedKeysError("the DID document has no DID as its id", path="id")
    methods: list[tuple[str, Any]] = [
        (f"verificationMethod[{i}]", m)
        for i, m in enumerate(_as_list(document.get("verificationMethod")))
    ]
    assertion: set[str] = set()
    for position, item in enumerate(_as_list(document.get("assertionMethod"))):
        if isinstance(item, str):
            assertion.add(_absolute(item, controller))
        elif isinstance(item, Mapping):  # an embedded method
            methods.append((f"assertionMethod[{position}]", item))
            assertion.add(_absolute(str(item.get("id", "")), controller))
    published = PublishedKeys()
    for path, method in methods:
        if not isinstance(method, Mapping):
            raise PublishedKeysError("a verification method is a JSON object", path=path)
        method_id = _absolute(str(method.get("id", "")), controller)
        # CID: a method not listed under a relationship cannot be used for it; certificates
        # are assertions, so only assertion methods are trusted.
        if method_id not in assertion:
            continue
        if method.get("controller") != controller:
            raise PublishedKeysError(
                f"{method_id} is controlled by {method.get('controller')!r}, not by {controller}",
                path=f"{path}.controller",
            )
        lifetime = {
            name: _instant(method.get(member), f"{path}.{member}")
            for name, member in (("retired", "expires"), ("revoked", "revoked"))
        }
        kid = method_id.partition("#")[2]
        if method.get("type") == "Multikey" and "publicKeyMultibase" in method:
            try:
                public = public_key_from_multibase(str(method["publicKeyMultibase"]))
            except KeyUnusableError as exc:
                raise PublishedKeysError(str(exc), path=f"{path}.publicKeyMultibase") from None
            published.keys.append(VerificationKey(controller, kid, public, None, **lifetime))
        elif method.get("type") == "JsonWebKey" and isinstance(method.get("publicKeyJwk"), Mapping):
            jwk = method["publicKeyJwk"]
            jwk_path = f"{path}.publicKeyJwk"
            if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
                public = _okp_public(jwk, jwk_path)
                published.keys.append(VerificationKey(controller, kid, public, None, **lifetime))
            elif jwk.get("kty") == "EC" and "x5c" in jwk:
                published.xml_certificates.append((controller, _x5c_certificate(jwk, jwk_path)))
    return published


def _read_jwk_entry(entry: Mapping[str, Any], path: str, published: PublishedKeys) -> None:
    if entry.get("use", "sig") != "sig":
        return  # not a signing key
    key_id = entry.get("kid")
    if not isinstance(key_id, str) or not key_id.startswith("did:") or "#" not in key_id:
        raise PublishedKeysError(
            "kid is the key's full id, <did>#<fragment>, naming its issuer", path=f"{path}.kid"
        )
    controller, _, kid = key_id.partition("#")
    if entry.get("kty") == "OKP" and entry.get("crv") == "Ed25519":
        revoked = entry.get("revoked")
        if revoked is not None and not isinstance(revoked, Mapping):
            raise PublishedKeysError("revoked is an object with revoked_at", path=f"{path}.revoked")
        published.keys.append(
            VerificationKey(
                controller,
                kid,
                _okp_public(entry, path),
                _from_numeric_date(entry.get("iat"), f"{path}.iat"),
                retired=_from_numeric_date(entry.get("exp"), f"{path}.exp"),
                revoked=None
                if revoked is None
                else _from_numeric_date(
                    revoked.get("revoked_at"), f"{path}.revoked.revoked_at", required=True
                ),
            )
        )
    elif entry.get("kty") == "EC" and "x5c" in entry:
        published.xml_certificates.append((controller, _x5c_certificate(entry, path)))


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _absolute(method_id: str, controller: str) -> str:
    return controller + method_id if method_id.startswith("#") else method_id


def _instant(value: Any, path: str) -> datetime | None:
    if value is None:
        return None
    try:
        instant = datetime.fromisoformat(str(value))
    except ValueError:
        raise PublishedKeysError("not an xsd:dateTimeStamp", path=path) from None
    if instant.tzinfo is None:
        raise PublishedKeysError("an xsd:dateTimeStamp names its time zone", path=path)
    return instant


def _from_numeric_date(value: Any, path: str, *, required: bool = False) -> datetime | None:
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PublishedKeysError("a NumericDate is a number of seconds", path=path)
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise PublishedKeysError("a NumericDate out of range", path=path) from None


def _okp_public(jwk: Mapping[str, Any], path: str) -> bytes:
    try:
        raw = b64url_decode(str(jwk["x"]))
    except (KeyError, ValueError):
        raise PublishedKeysError("an Ed25519 JWK has x, base64url", path=f"{path}.x") from None
    if len(raw) != 32:
        raise PublishedKeysError("an Ed25519 public key has 32 bytes", path=f"{path}.x")
    return raw


def _x5c_certificate(jwk: Mapping[str, Any], path: str) -> x509.Certificate:
    chain = jwk.get("x5c")
    if not isinstance(chain, list) or not chain or not isinstance(chain[0], str):
        raise PublishedKeysError("x5c is a list of base64 certificates", path=f"{path}.x5c")
    try:
        certificate = x509.load_der_x509_certificate(base64.b64decode(chain[0], validate=True))
    except ValueError:
        raise PublishedKeysError("x5c[0] is not a DER certificate", path=f"{path}.x5c") from None
    public = certificate.public_key()
    if not isinstance(public, ec.EllipticCurvePublicKey) or not isinstance(
        public.curve, ec.SECP256R1
    ):
        raise PublishedKeysError("the x5c certificate holds no P-256 key", path=f"{path}.x5c")
    # RFC 7517 §4.7: the key in the first certificate MUST match the JWK's own members.
    expected = _ec_p256_jwk(public)
    if any(jwk.get(member) != expected[member] for member in ("kty", "crv", "x", "y")):
        raise PublishedKeysError(
            "the x5c certificate holds another key than the JWK", path=f"{path}.x5c"
        )
    return certificate
