"""The certificate of origin as an XML document, signed with an enveloped XML Signature.

Customs single windows and certificate-exchange networks speak XML and XML-DSig, so next to the
W3C credential a certificate also has this form. The layout is fixed by
``schema/certificate-of-origin-1.0.xsd``: one element per field of the ``Certificate`` model
(every Annex 3B item), named in lowerCamelCase (``rcep_country_of_origin`` is
``rcepCountryOfOrigin``), in the model's order; a list is a wrapper around its items
(``goods/goodsItem``, ``flags/flag``); an absent optional field is an absent element. Writing then
reading gives back an equal ``Certificate``.

Reading untrusted XML:

* at most ``MAX_XML_BYTES``, UTF-8 only, and no DOCTYPE at all -- refused on the bytes, before a
  parser sees them, so no entity is ever declared, expanded or fetched (billion laughs, XXE);
* then parsed without entity resolution, network access or libxml2's "huge tree" mode, validated
  against the schema, and rebuilt as the pydantic model, whose validators check the law.

Signing (Annex 3B(h), "the authorised signature"): ECDSA P-256 with SHA-256, because signxml has
no Ed25519. The verifier pins the issuer's self-signed X.509 certificate (``x509_cert=``); no
chain is built and no key embedded in the document is trusted. What a verifier reports is rebuilt
only from what the signature covers (signxml's ``signed_xml``), never from the document as
received: text around a comment, a second signature or a wrapped copy cannot change what is
reported.

The signing time is an element of the certificate, ``signingTime``, written just before the
signature and so covered by it (like the JSON proof's ``created`` and the JWT's ``iat``): the
verifier checks it against the lifetime of the issuer key the signing certificate belongs to, so
a key retired or reported compromised bounds the XML form exactly as it bounds the others. A
``ds:SignatureProperties`` or XAdES ``SigningTime`` would be a second signed reference, which
this verifier refuses on purpose (one reference, to the whole document).
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from importlib import resources
from types import NoneType, UnionType
from typing import Any, Protocol, Union, get_args, get_origin

from cryptography import x509
from cryptography.exceptions import InvalidSignature as CryptoInvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509.oid import NameOID
from lxml import etree
from pydantic import BaseModel, ValidationError
from signxml.algorithms import DigestAlgorithm, SignatureConstructionMethod, SignatureMethod
from signxml.exceptions import InvalidCertificate, InvalidDigest, InvalidInput, SignXMLException
from signxml.signer import XMLSigner
from signxml.verifier import SignatureConfiguration, VerifyResult, XMLVerifier

from rcep_origin.certificates.model import Certificate
from rcep_origin.errors import InputError

XML_NAMESPACE = "https://w3id.org/rcep-origin/xml/certificate-of-origin/1.0"
DSIG_NAMESPACE = "http://www.w3.org/2000/09/xmldsig#"
MAX_XML_BYTES = 2 * 1024 * 1024
SCHEMA_FILE = "certificate-of-origin-1.0.xsd"

_ROOT = "certificateOfOrigin"
_SIGNING_TIME = "signingTime"  # not a Certificate field: when the issuing body signed
# A list field and its item element.
_LIST_ITEMS = {"goods": "goodsItem", "flags": "flag", "evidence_leaves": "leafHash"}
_SIGNATURE = f"{{{DSIG_NAMESPACE}}}Signature"
_DS = {"ds": DSIG_NAMESPACE}
_ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
_UTF8_BOM = b"\xef\xbb\xbf"
_DECLARED_ENCODING = re.compile(rb"<\?xml\s[^>]*?encoding\s*=\s*[\"']([^\"']*)[\"']")
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_COMMON_NAME_MAX = 64  # RFC 5280, ub-common-name


class XmlFormError(InputError):
    """A certificate's XML cannot be used: too large, not UTF-8, not well-formed, hostile (a
    DOCTYPE), not valid against the schema, or not a valid ``Certificate``. ``path`` locates the
    element, e.g. ``/certificateOfOrigin/goods/goodsItem[2]/hsCode``."""


class XmlSignatureError(XmlFormError):
    """No trusted certificate verifies the document's signature. The message says why (tampered,
    unknown signer, no signature, content outside the signed element, certificate not valid at
    the time); ``problems`` holds the reason for each trusted certificate tried."""


@dataclass(frozen=True)
class XmlVerification:
    """A verified document: who signed it, when (``signingTime``, None if the signed content has
    none), and the certificate rebuilt from the signed XML only."""

    signed_by: x509.Certificate
    certificate: Certificate
    signed_at: datetime | None = None


class XmlCertificateSigner(Protocol):
    """Renders a certificate as XML and signs it, stamped with ``signed_at`` (default: now)."""

    def __call__(self, certificate: Certificate, signed_at: datetime | None = None) -> bytes: ...


# ----------------------------------------------------------------------------------- writing


def certificate_to_xml(certificate: Certificate) -> bytes:
    """The certificate as unsigned UTF-8 XML, valid against the schema (checked before return, so
    a certificate the schema cannot carry is an error here, not at the importing Party)."""
    root = etree.Element(_tag(_ROOT), nsmap={None: XML_NAMESPACE})
    _append_fields(root, certificate, f"/{_ROOT}")
    _validate(root)
    serialised: bytes = etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", pretty_print=True
    )
    return serialised


def _append_fields(parent: etree._Element, model: BaseModel, path: str) -> None:
    for name in type(model).model_fields:
        value = getattr(model, name)
        if value is None or (isinstance(value, list) and not value):
            continue  # an absent optional field, or an empty list, is an absent element
        tag = _camel(name)
        element = etree.SubElement(parent, _tag(tag))
        if not isinstance(value, list):
            _fill(element, value, f"{path}/{tag}")
            continue
        item_tag = _LIST_ITEMS[name]
        for number, item in enumerate(value, start=1):
            child = etree.SubElement(element, _tag(item_tag))
            _fill(child, item, f"{path}/{tag}/{item_tag}[{number}]")


def _fill(element: etree._Element, value: object, path: str) -> None:
    if isinstance(value, BaseModel):
        _append_fields(element, value, path)
        return
    try:
        element.text = _lexical(value)
    except ValueError:
        raise XmlFormError(
            "the text holds a character XML 1.0 cannot carry (a control character)", path=path
        ) from None


def _lexical(value: object) -> str:
    """The XML Schema lexical form: xs:boolean, xs:decimal (never exponent notation), xs:date."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# ----------------------------------------------------------------------------------- reading


def certificate_from_xml(data: bytes) -> Certificate:
    """Read a certificate from XML. A signature, if any, is skipped and NOT checked: use
    ``verify_xml`` for a document you rely on."""
    return _certificate(_parse(data))


def claimed_issuer(data: bytes) -> str:
    """The issuing body's DID a certificate document names, once it parses and is XSD valid;
    nothing else is checked or built: it only chooses the pinned certificates to try
    (``verify_xml`` then rebuilds the certificate from the signed content)."""
    root = _parse(data)
    _validate(root)
    element = root.find(f"{{{XML_NAMESPACE}}}issuingBody/{{{XML_NAMESPACE}}}id")
    if element is None:  # the XSD requires it
        raise XmlFormError("the document names no issuing body", path="issuing_body.id")
    return str(_read_value(element, None)).strip()


def _certificate(root: etree._Element) -> Certificate:
    _validate(root)
    fields = _read_fields(root, Certificate)
    try:
        return Certificate.model_validate(fields)
    except ValidationError as exc:
        problems = [
            (_path_of_location(error["loc"]), error["msg"].removeprefix("Value error, "))
            for error in exc.errors(include_url=False)
        ]
        path, message = problems[0]
        raise XmlFormError(message, path=path, problems=problems) from None


def _read_fields(element: etree._Element, model: type[BaseModel]) -> dict[str, Any]:
    layout = _layout(model)
    values: dict[str, Any] = {}
    for child in element.iterchildren(etree.Element):
        field = layout.get(child.tag)
        if field is None:
            continue  # signingTime and ds:Signature, the elements beside the model's fields
        if field.is_list:
            items = child.iterchildren(etree.Element)
            values[field.name] = [_read_value(item, field.model) for item in items]
        else:
            values[field.name] = _read_value(child, field.model)
    return values


def _read_value(element: etree._Element, model: type[BaseModel] | None) -> Any:
    if model is not None:
        return _read_fields(element, model)
    if len(element) == 0:
        return element.text or ""
    # The XPath string value: text split by a processing instruction is joined.
    return "".join(element.itertext())


@dataclass(frozen=True)
class _Field:
    name: str
    model: type[BaseModel] | None  # the nested model of the field, or of its items
    is_list: bool


@cache
def _layout(model: type[BaseModel]) -> dict[str, _Field]:
    """A model's fields by element tag, worked out once per model rather than per element."""
    layout = {}
    for name, info in model.model_fields.items():
        item = _list_item(info.annotation)
        inner = info.annotation if item is None else item
        layout[_tag(_camel(name))] = _Field(name, _model_class(inner), item is not None)
    return layout


def _without_none(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, UnionType):
        others = [arg for arg in get_args(annotation) if arg is not NoneType]
        if len(others) == 1:
            return others[0]
    return annotation


def _model_class(annotation: Any) -> type[BaseModel] | None:
    inner = _without_none(annotation)
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        return inner
    return None


def _list_item(annotation: Any) -> Any | None:
    inner = _without_none(annotation)
    return get_args(inner)[0] if get_origin(inner) is list else None


# ----------------------------------------------------------------------------------- parsing


def _parse(data: bytes) -> etree._Element:
    """Parse untrusted bytes; whatever could expand or fetch anything is refused beforehand."""
    _refuse_before_parsing(data)
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise XmlFormError(f"not well-formed XML: {exc}") from None
    if root.getroottree().docinfo.doctype:  # belt and braces: _refuse_before_parsing saw none
        raise XmlFormError("a DOCTYPE is refused")
    return root


_PROLOG = re.compile(
    rb"""\A[ \t\r\n]*(?:<\?xml[ \t\r\n]+version=(['"])1\.0\1"""
    rb"""(?:[ \t\r\n]+encoding=(['"])[A-Za-z0-9._-]+\2)?"""
    rb"""(?:[ \t\r\n]+standalone=(['"])(?:yes|no)\3)?[ \t\r\n]*\?>)?[ \t\r\n]*<[^?!]"""
)


def _refuse_before_parsing(data: bytes) -> None:
    # Once a parser reads a DTD it has already declared the entities; to expand nothing, the
    # DOCTYPE is found on the bytes. That search is only sound in an ASCII-compatible encoding,
    # hence UTF-8 only: no NUL byte (UTF-16 and UTF-32 have them), no other declared encoding,
    # and '<' first (EBCDIC starts otherwise).
    if not isinstance(data, bytes):
        raise XmlFormError(f"XML is read from bytes, not {type(data).__name__}")
    if len(data) > MAX_XML_BYTES:
        raise XmlFormError(f"the document has {len(data)} bytes, more than {MAX_XML_BYTES}")
    body = data.removeprefix(_UTF8_BOM)
    declared = _DECLARED_ENCODING.match(body)
    if b"\x00" in body or (declared and declared[1].lower() not in (b"utf-8", b"utf8")):
        raise XmlFormError("a certificate's XML is encoded in UTF-8")
    if not body.lstrip(b" \t\r\n").startswith(b"<"):
        raise XmlFormError("not XML: the document does not start with '<'")
    if _DOCTYPE.search(body):
        raise XmlFormError(
            "a DOCTYPE is refused: a certificate needs no DTD, and a DTD is how entity "
            "expansion (billion laughs) and external entities (XXE) get in"
        )
    # Nothing unsigned may travel before the root: only an XML 1.0 declaration, no other
    # processing instruction or comment (they would pass through the signature unnoticed).
    prolog = _PROLOG.match(body)
    if prolog is None:
        raise XmlFormError(
            "before the root element only an XML 1.0 declaration is allowed "
            "(no other processing instruction, comment or version)"
        )


# ----------------------------------------------------------------------------------- schema

# lxml.etree.XMLSchema (libxml2) rather than xmlschema: it validates the tree already parsed, in
# C, without a second walk in Python, and XSD 1.0 is all this schema needs. The compiled schema
# is cached per thread because a validator keeps its error log on itself: two threads validating
# at once through one object would read each other's errors.
_local = threading.local()


@cache
def _schema_document() -> bytes:
    schema_files = resources.files("rcep_origin.certificates.schema")
    return schema_files.joinpath(SCHEMA_FILE).read_bytes()


def _schema() -> etree.XMLSchema:
    schema = getattr(_local, "schema", None)
    if schema is None:
        schema = _local.schema = etree.XMLSchema(etree.fromstring(_schema_document()))
    return schema


def _validate(root: etree._Element) -> None:
    schema = _schema()
    if schema.validate(root):
        return
    problems = [
        (_path_of_error(root, entry.path), entry.message.replace(f"{{{XML_NAMESPACE}}}", ""))
        for entry in schema.error_log
    ]
    path, message = problems[0]
    raise XmlFormError(message, path=path, problems=problems)


def _path_of_error(root: etree._Element, libxml2_path: str | None) -> str:
    # libxml2 names a namespaced element '*' (/*/*[7]/*[1]/*[3]): find it, then name it.
    try:
        found = root.getroottree().xpath(libxml2_path) if libxml2_path else []
    except etree.XPathError:
        found = []
    if not found or not isinstance(found[0], etree._Element):
        return ""
    steps = []
    element = found[0]
    while element is not None:
        name = etree.QName(element).localname
        parent = element.getparent()
        if parent is not None and name in _LIST_ITEMS.values():
            name += f"[{list(parent.iterchildren(element.tag)).index(element) + 1}]"
        steps.append(name)
        element = parent
    return "/" + "/".join(reversed(steps))


def _path_of_location(location: tuple[int | str, ...]) -> str:
    """A pydantic error location (``goods``, 0, ``hs_code``) as an XML path
    (``/certificateOfOrigin/goods/goodsItem[1]/hsCode``)."""
    path, parent = f"/{_ROOT}", ""
    for part in location:
        if isinstance(part, int):
            path += f"/{_LIST_ITEMS.get(parent, parent)}[{part + 1}]"
        elif not part.startswith("function-"):
            parent = part
            path += f"/{_camel(part)}"
    return path


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.capitalize() for word in rest)


def _tag(local_name: str) -> str:
    return f"{{{XML_NAMESPACE}}}{local_name}"


# ----------------------------------------------------------------------------------- signing


def sign_xml(
    unsigned: bytes,
    private_key: ec.EllipticCurvePrivateKey,
    certificate: x509.Certificate,
    *,
    signed_at: datetime | None = None,
) -> bytes:
    """Sign a certificate's XML for the issuing body (Annex 3B(h)): the signing time
    (``signed_at``, default now; whole seconds, UTC) as ``signingTime``, then an enveloped XML
    Signature over the whole document, ECDSA P-256 / SHA-256, the certificate in KeyInfo,
    appended as the last child of the root. Only a schema-valid, unsigned certificate is signed."""
    root = _parse(unsigned)
    _validate(root)
    if len(root) and etree.QName(root[-1]).namespace == DSIG_NAMESPACE:
        raise XmlFormError("the document is signed already", path=f"/{_ROOT}/Signature")
    if root.find(_tag(_SIGNING_TIME)) is not None:
        raise XmlFormError(
            "the signing time is written when signing, not before", path=f"/{_ROOT}/{_SIGNING_TIME}"
        )
    if signed_at is not None and signed_at.tzinfo is None:
        raise XmlFormError("signed_at is a timezone-aware datetime", path="signed_at")
    _check_signing_identity(private_key, certificate)
    instant = (signed_at or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    etree.SubElement(root, _tag(_SIGNING_TIME)).text = instant.strftime("%Y-%m-%dT%H:%M:%SZ")
    _validate(root)
    signer = XMLSigner(
        method=SignatureConstructionMethod.enveloped,
        signature_algorithm=SignatureMethod.ECDSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
    )
    signed = signer.sign(root, key=private_key, cert=[certificate])
    serialised: bytes = etree.tostring(signed, xml_declaration=True, encoding="UTF-8")
    return serialised


def _check_signing_identity(
    private_key: ec.EllipticCurvePrivateKey, certificate: x509.Certificate
) -> None:
    if not isinstance(private_key, ec.EllipticCurvePrivateKey) or not isinstance(
        private_key.curve, ec.SECP256R1
    ):
        raise XmlFormError("the signing key is an ECDSA P-256 private key", path="private_key")
    if _public_key_der(certificate.public_key()) != _public_key_der(private_key.public_key()):
        raise XmlFormError("the certificate is not the signing key's", path="certificate")


def _public_key_der(key: Any) -> bytes:
    der: bytes = key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return der


def make_xml_signing_identity(
    common_name: str, *, valid_from: datetime, days: int = 3650
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A P-256 key and a self-signed certificate holding it. The certificate is only a container
    for the public key that verifiers pin (signxml verifies against an X.509 certificate, not a
    bare key); it can sign nothing else (``ca=False``, key usage digitalSignature only)."""
    if valid_from.tzinfo is None:
        raise XmlFormError("valid_from is a timezone-aware datetime", path="valid_from")
    if days < 1:
        raise XmlFormError("a certificate is valid for at least one day", path="days")
    if not 1 <= len(common_name) <= _COMMON_NAME_MAX:
        raise XmlFormError(
            f"a common name has 1 to {_COMMON_NAME_MAX} characters", path="common_name"
        )
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid_from)
        .not_valid_after(valid_from + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_DIGITAL_SIGNATURE_ONLY, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


_DIGITAL_SIGNATURE_ONLY = x509.KeyUsage(
    digital_signature=True,
    content_commitment=False,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=False,
    crl_sign=False,
    encipher_only=False,
    decipher_only=False,
)


# ----------------------------------------------------------------------------------- verifying

# What signxml (or what it calls) raises on a bad or hostile signature: each is a reason to
# refuse the document, never a crash.
_SIGNXML_FAILURES = (
    SignXMLException,
    CryptoInvalidSignature,
    ValueError,
    TypeError,
    LookupError,
    etree.Error,
)

# Reasons, most telling first: it heads the error when no trusted certificate verifies.
_TAMPERED = "tampered: the signed content was changed after signing (digest mismatch)"
_NOT_VALID_THEN = "the signing certificate is not valid at the verification time"
_MALFORMED = "the signature cannot be checked"
_UNKNOWN_SIGNER = "unknown signer: the signature was not made with this certificate's key"
_REASON_ORDER = (_TAMPERED, _NOT_VALID_THEN, _MALFORMED, _UNKNOWN_SIGNER)


def verify_xml(
    data: bytes, trusted: Sequence[x509.Certificate], *, at: datetime | None = None
) -> XmlVerification:
    """Verify a signed certificate against pinned issuer certificates, tried in turn. ``at`` is
    the instant the certificates' validity is checked at (default: now): pass the signing time to
    verify a document whose signing certificate has expired since."""
    if at is not None and at.tzinfo is None:
        raise XmlFormError("at is a timezone-aware datetime", path="at")
    root = _parse(data)
    _require_one_signature(root)
    config = SignatureConfiguration(
        location="./",  # the signature is a child of the root
        signature_methods=frozenset({SignatureMethod.ECDSA_SHA256}),
        digest_algorithms=frozenset({DigestAlgorithm.SHA256}),
        verification_time=at,
        # ignore_ambiguous_key_info stays False: a KeyValue in the document must then match the
        # pinned certificate, or signxml would verify with the document's own key.
    )
    reasons: list[tuple[str, str]] = []
    for index, candidate in enumerate(trusted):
        try:
            result = XMLVerifier().verify(data, x509_cert=candidate, expect_config=config)
        except _SIGNXML_FAILURES as exc:
            reasons.append((f"trusted[{index}]", _reason(exc)))
            continue
        signed_root = _signed_root(result)
        _require_the_pinned_certificate(root, candidate)
        return XmlVerification(
            signed_by=candidate,
            certificate=_certificate(signed_root),
            signed_at=_signing_time(signed_root),
        )
    raise _untrusted(reasons)


def _require_the_pinned_certificate(root: etree._Element, pinned: x509.Certificate) -> None:
    """KeyInfo is outside what the signature covers; the signature was checked against the
    pinned certificate, so a certificate carried in the document must be that one, byte for
    byte -- else the document says one thing and was verified against another."""
    from cryptography.hazmat.primitives.serialization import Encoding as DerEncoding

    expected = pinned.public_bytes(DerEncoding.DER)
    for carried in root.iter(f"{{{DSIG_NAMESPACE}}}X509Certificate"):
        try:
            der = base64.b64decode("".join((carried.text or "").split()), validate=True)
        except (ValueError, binascii.Error):
            der = b""
        if der != expected:
            raise XmlSignatureError(
                "the certificate carried in KeyInfo is not the issuer's signing certificate"
            )


def _signing_time(signed_root: etree._Element) -> datetime | None:
    # Read from the signed content only; the schema has fixed its form (UTC, whole seconds).
    text = signed_root.findtext(_tag(_SIGNING_TIME))
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


def _require_one_signature(root: etree._Element) -> None:
    signatures = root.findall(f".//{_SIGNATURE}")
    if not signatures:
        raise XmlSignatureError("the document is not signed: it has no ds:Signature element")
    if len(signatures) > 1 or signatures[0] is not root[-1]:
        raise XmlSignatureError(
            "a certificate carries one ds:Signature, the last child of its root element",
            path=f"/{_ROOT}/Signature",
        )


def _reason(exc: Exception) -> str:
    if isinstance(exc, InvalidDigest):
        return _TAMPERED
    if isinstance(exc, InvalidCertificate):
        return f"{_NOT_VALID_THEN}: {exc}"
    if isinstance(exc, InvalidInput) or not isinstance(exc, CryptoInvalidSignature):
        return f"{_MALFORMED}: {exc}"
    return _UNKNOWN_SIGNER


def _untrusted(reasons: list[tuple[str, str]]) -> XmlSignatureError:
    if not reasons:
        return XmlSignatureError("no trusted certificate was given to verify the signature with")
    headline = next(h for h in _REASON_ORDER if any(r.startswith(h) for _, r in reasons))
    if headline == _UNKNOWN_SIGNER:
        headline = (
            f"unknown signer: none of the {len(reasons)} trusted certificates made the signature"
        )
    return XmlSignatureError(headline, problems=reasons)


def _signed_root(result: VerifyResult | list[VerifyResult]) -> etree._Element:
    # The signature must cover the whole certificate: a reference to the document itself
    # (URI="") with the enveloped-signature transform, so that only the signature is left out.
    # A reference to a part (URI="#id") would leave the rest unsigned and unreported.
    if not isinstance(result, VerifyResult):  # one reference is expected, so one result
        raise XmlSignatureError(_PARTLY_SIGNED)
    reference = result.signature_xml.find("ds:SignedInfo/ds:Reference", _DS)
    if reference is None or reference.get("URI") != "" or not _enveloped(reference):
        raise XmlSignatureError(_PARTLY_SIGNED)
    signed = result.signed_xml
    if signed is None or signed.tag != _tag(_ROOT):
        raise XmlFormError("what is signed is not a certificate of origin")
    return signed


def _enveloped(reference: etree._Element) -> bool:
    transforms = reference.iterfind("ds:Transforms/ds:Transform", _DS)
    return any(transform.get("Algorithm") == _ENVELOPED for transform in transforms)


_PARTLY_SIGNED = (
    "the signature does not cover the whole certificate: content outside the signed element "
    "is unsigned"
)
