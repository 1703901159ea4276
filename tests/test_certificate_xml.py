"""The XML form of a certificate: lossless, schema-valid, signed, and safe to read from anyone."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib import resources
from typing import Any, get_args

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from pydantic import BaseModel
from signxml import DigestAlgorithm, SignatureMethod, XMLSigner

from rcep_origin.certificates.model import (
    BackToBack,
    Certificate,
    Consignment,
    DeterminationLink,
    GoodsItem,
    Invoice,
    IssuingBody,
    MoneyAmount,
    Organisation,
    Quantity,
    Signatory,
    ThirdPartyInvoicing,
)
from rcep_origin.certificates.xml_form import (
    MAX_XML_BYTES,
    SCHEMA_FILE,
    XML_NAMESPACE,
    XmlFormError,
    XmlSignatureError,
    certificate_from_xml,
    certificate_to_xml,
    make_xml_signing_identity,
    sign_xml,
    verify_xml,
)
from rcep_origin.errors import InputError

NS = {
    "c": XML_NAMESPACE,
    "ds": "http://www.w3.org/2000/09/xmldsig#",
    "xs": "http://www.w3.org/2001/XMLSchema",
}
# A signing key and its self-signed certificate.
Identity = tuple[ec.EllipticCurvePrivateKey, x509.Certificate]
ISSUED = datetime(2026, 6, 2, 9, 0, tzinfo=UTC)


def goods_item(number: int, criterion: str, **extra: Any) -> GoodsItem:
    return GoodsItem(
        item_number=number,
        description="Parts for control panels, machined\r\nand assembled",
        hs_code="8538.90",
        origin_criterion=criterion,  # type: ignore[arg-type]
        rcep_country_of_origin="CN",
        quantity=Quantity(value=Decimal("120.500"), unit="PCE"),
        fob_value=MoneyAmount(amount=Decimal("1000.00"), currency="USD")
        if criterion == "RVC"
        else None,
        invoice=Invoice(number=f"INV-2026-{number:04d}", date=date(2026, 5, 28)),
        determination=DeterminationLink(
            determination_sha256="0123456789abcdef" * 4,
            inputs_sha256="fedcba9876543210" * 4,
            ruleset_version="rcep-psr-hs2012-2026.1",
            engine_version="0.4.0",
        ),
        **extra,
    )


def full_certificate() -> Certificate:
    """Every optional item present: producer, marks, flags, back-to-back, third-party invoicing."""
    return Certificate(
        number="CN-CCPIT-2026-000123",
        exporting_party="CN",
        importing_party="TH",
        exporter=Organisation(
            name="Shanghai Panel Works Co., Ltd.",
            address="88 Hongqiao Road, Shanghai",
            country="CN",
            identifier="91310000MA1FL0XX1K",
        ),
        producer=Organisation(
            name="Suzhou Machining & Sons",
            address="3 Industrial Park <Block B>, Suzhou",
            country="CN",
        ),
        importer=Organisation(
            name="Bangkok Controls Ltd.", address="12 Sukhumvit Soi 4, Bangkok", country="TH"
        ),
        goods=[
            goods_item(1, "RVC"),
            goods_item(
                2, "CTC", flags=["ACU", "DMI"], marks_and_packages="BKC/2026/1-40, 40 cartons"
            ),
        ],
        consignment=Consignment(
            departure_date=date(2026, 6, 1),
            transport="MV Sea Lotus V.118",
            port_of_discharge="Laem Chabang",
        ),
        issuing_body=IssuingBody(
            name="CCPIT Shanghai", country="CN", id="did:web:co.ccpit.example.org"
        ),
        signatory=Signatory(name="Li Wei", position="Certification Officer"),
        place_of_issue="Shanghai",
        issue_date=date(2026, 6, 2),
        valid_until=date(2027, 6, 2),
        back_to_back=BackToBack(
            original_reference="VN-2026-0042",
            original_issue_date=date(2026, 4, 30),
            original_rcep_country_of_origin="VN",
            approved_exporter_code="AE-VN-77",
        ),
        third_party_invoicing=ThirdPartyInvoicing(
            operator_name="Pacific Trading Pte. Ltd.", operator_country="SG"
        ),
        retroactive=True,
        remarks="Issued retroactively: the application arrived after shipment.",
    )


def minimal_certificate() -> Certificate:
    """Only what Annex 3B requires: one good, no optional item."""
    return Certificate(
        number="TH-DFT-000001",
        exporting_party="TH",
        importing_party="JP",
        exporter=Organisation(name="Siam Rice Co.", address="Bangkok", country="TH"),
        importer=Organisation(name="Osaka Foods K.K.", address="Osaka", country="JP"),
        goods=[goods_item(1, "WO")],
        consignment=Consignment(
            departure_date=date(2026, 6, 10), transport="TG622", port_of_discharge="Kansai"
        ),
        issuing_body=IssuingBody(
            name="Department of Foreign Trade", country="TH", id="did:web:dft.example.org"
        ),
        signatory=Signatory(name="S. Chai", position="Officer"),
        place_of_issue="Bangkok",
        issue_date=date(2026, 6, 2),
        valid_until=date(2027, 6, 2),
    )


@pytest.fixture(scope="module")
def identity() -> Identity:
    return make_xml_signing_identity(
        "co.ccpit.example.org", valid_from=datetime(2026, 1, 1, tzinfo=UTC)
    )


@pytest.fixture(scope="module")
def stranger() -> Identity:
    return make_xml_signing_identity(
        "co.ccpit.example.org", valid_from=datetime(2026, 1, 1, tzinfo=UTC)
    )


@pytest.fixture(scope="module")
def signed(identity: Identity) -> bytes:
    key, certificate = identity
    return sign_xml(certificate_to_xml(full_certificate()), key, certificate)


def replace_text(data: bytes, local_name: str, text: str) -> bytes:
    root = etree.fromstring(data)
    root.find(f".//c:{local_name}", NS).text = text
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


# ------------------------------------------------------------------------------ lossless form


@pytest.mark.parametrize("make", [full_certificate, minimal_certificate])
def test_a_certificate_written_as_xml_reads_back_equal(make: Any) -> None:
    certificate = make()
    assert certificate_from_xml(certificate_to_xml(certificate)) == certificate


XML_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters="\ufffe\uffff")
    | st.sampled_from("\t\n\r"),
    min_size=1,
    max_size=80,
).filter(lambda text: text.strip() != "")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=XML_TEXT)
def test_any_text_xml_can_carry_reads_back_unchanged(text: str) -> None:
    certificate = full_certificate().model_copy(update={"remarks": text.strip()})
    certificate = Certificate.model_validate(certificate.model_dump())
    assert certificate_from_xml(certificate_to_xml(certificate)) == certificate


def test_a_control_character_xml_cannot_carry_is_refused_with_its_path() -> None:
    certificate = full_certificate()
    exporter = certificate.exporter.model_copy(update={"name": "Shanghai\x01Panel"})
    with pytest.raises(XmlFormError) as caught:
        certificate_to_xml(certificate.model_copy(update={"exporter": exporter}))
    assert caught.value.path == "/certificateOfOrigin/exporter/name"


def nested_models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in get_args(annotation) for model in nested_models(arg)]


def element_names(model: type[BaseModel]) -> set[str]:
    """Every element name a model implies (lowerCamelCase of each field), nested models too."""
    names = set()
    for name, field in model.model_fields.items():
        head, *rest = name.split("_")
        names.add(head + "".join(word.capitalize() for word in rest))
        for nested in nested_models(field.annotation):
            names |= element_names(nested)
    return names


def test_every_field_of_the_certificate_has_a_documented_element_in_the_schema() -> None:
    schema = etree.fromstring(
        resources.files("rcep_origin.certificates.schema").joinpath(SCHEMA_FILE).read_bytes()
    )
    documented = {
        element.get("name")
        for element in schema.iterfind(".//xs:element", NS)
        if element.findtext("xs:annotation/xs:documentation", namespaces=NS, default="").strip()
    }
    undocumented = {
        element.get("name") for element in schema.iterfind(".//xs:element", NS)
    } - documented
    assert undocumented == set()
    assert element_names(Certificate) | {"certificateOfOrigin", "goodsItem", "flag"} <= documented


# ------------------------------------------------------------------------------ schema and law


@pytest.mark.parametrize("hs_code", ["853890", "8538.9", "8538.900", "85.38.90", "٨٥٣٨.٩٠"])
def test_the_schema_refuses_an_hs_code_that_is_not_four_digits_a_dot_and_two_digits(
    hs_code: str,
) -> None:
    data = replace_text(certificate_to_xml(full_certificate()), "hsCode", hs_code)
    with pytest.raises(XmlFormError) as caught:
        certificate_from_xml(data)
    assert caught.value.path == "/certificateOfOrigin/goods/goodsItem[1]/hsCode"
    assert "pattern" in caught.value.message


def test_a_country_of_origin_that_is_no_rcep_party_is_refused_with_its_path() -> None:
    data = replace_text(certificate_to_xml(full_certificate()), "rcepCountryOfOrigin", "US")
    with pytest.raises(XmlFormError) as caught:
        certificate_from_xml(data)
    assert caught.value.path == "/certificateOfOrigin/goods/goodsItem[1]/rcepCountryOfOrigin"
    assert "not an RCEP Party" in caught.value.message


def test_a_fob_value_is_refused_for_a_good_not_certified_under_rvc_annex_3b_k() -> None:
    data = replace_text(certificate_to_xml(full_certificate()), "originCriterion", "CTC")
    with pytest.raises(XmlFormError) as caught:
        certificate_from_xml(data)
    assert caught.value.path == "/certificateOfOrigin/goods/goodsItem[1]"
    assert "Annex 3B(k)" in caught.value.message


def test_an_xml_form_error_is_an_input_error() -> None:
    assert issubclass(XmlSignatureError, XmlFormError)
    assert issubclass(XmlFormError, InputError)


# ------------------------------------------------------------------------------ signing


def test_a_signed_certificate_verifies_to_the_same_certificate_and_signer(
    signed: bytes, identity: Identity
) -> None:
    verification = verify_xml(signed, [identity[1]], at=ISSUED)
    assert verification.certificate == full_certificate()
    assert verification.signed_by == identity[1]


def test_the_signature_is_the_last_child_of_the_root(signed: bytes) -> None:
    root = etree.fromstring(signed)
    assert root[-1].tag == f"{{{NS['ds']}}}Signature"
    assert (
        root.find("ds:Signature/ds:SignedInfo/ds:SignatureMethod", NS)
        .get("Algorithm")
        .endswith("ecdsa-sha256")
    )


def test_the_trusted_certificate_that_made_the_signature_is_reported_as_signer(
    signed: bytes,
    identity: Identity,
    stranger: Identity,
) -> None:
    assert verify_xml(signed, [stranger[1], identity[1]], at=ISSUED).signed_by == identity[1]


def leaves() -> list[Any]:
    """Every element holding text in a certificate, as its XPath, named by its readable path."""
    tree = etree.fromstring(certificate_to_xml(full_certificate())).getroottree()
    return [
        pytest.param(
            tree.getpath(element),
            id=tree.getelementpath(element).replace(f"{{{XML_NAMESPACE}}}", ""),
        )
        for element in tree.iter()
        if len(element) == 0
    ]


def changed(text: str) -> str:
    """The text with its first character replaced by another of the same kind."""
    first = text[:1]
    if first.isdigit():
        return ("1" if first == "0" else "0") + text[1:]
    return ("B" if first == "A" else "A") + text[1:]


def test_a_signed_document_serialised_again_still_verifies(
    signed: bytes, identity: Identity
) -> None:
    again = etree.tostring(etree.fromstring(signed), encoding="UTF-8")
    assert verify_xml(again, [identity[1]], at=ISSUED).certificate == full_certificate()


@pytest.mark.parametrize("path", leaves())
def test_a_changed_character_in_any_text_of_a_signed_certificate_fails_verification(
    path: str, signed: bytes, identity: Identity
) -> None:
    tree = etree.fromstring(signed).getroottree()
    element = tree.xpath(path)[0]
    element.text = changed(element.text or "")
    with pytest.raises(XmlSignatureError, match="digest mismatch"):
        verify_xml(etree.tostring(tree, encoding="UTF-8"), [identity[1]], at=ISSUED)


def test_a_signature_by_a_key_that_is_not_trusted_fails(signed: bytes, stranger: Identity) -> None:
    with pytest.raises(XmlSignatureError, match="unknown signer"):
        verify_xml(signed, [stranger[1]], at=ISSUED)


def test_a_document_whose_signature_was_removed_fails(signed: bytes, identity: Identity) -> None:
    root = etree.fromstring(signed)
    root.remove(root[-1])
    with pytest.raises(XmlSignatureError, match="not signed"):
        verify_xml(etree.tostring(root), [identity[1]], at=ISSUED)


def test_a_second_signature_is_refused(signed: bytes, identity: Identity) -> None:
    root = etree.fromstring(signed)
    root.append(copy.deepcopy(root[-1]))
    with pytest.raises(XmlSignatureError, match="one ds:Signature"):
        verify_xml(etree.tostring(root), [identity[1]], at=ISSUED)


def test_a_signature_over_part_of_the_certificate_is_refused_as_leaving_content_unsigned(
    identity: Identity,
) -> None:
    key, certificate = identity
    root = etree.fromstring(certificate_to_xml(full_certificate()))
    root.find("c:goods", NS).set("Id", "goods")
    signer = XMLSigner(
        signature_algorithm=SignatureMethod.ECDSA_SHA256, digest_algorithm=DigestAlgorithm.SHA256
    )
    partly_signed = etree.tostring(
        signer.sign(root, key=key, cert=[certificate], reference_uri="#goods")
    )
    with pytest.raises(XmlSignatureError, match="outside the signed element"):
        verify_xml(partly_signed, [certificate], at=ISSUED)


def test_a_comment_slipped_into_signed_text_changes_neither_signature_nor_certificate(
    signed: bytes, identity: Identity
) -> None:
    # Comments are outside what an XML signature covers; the certificate is rebuilt from the
    # signed (canonical) XML, where the text is whole again.
    marked = signed.replace(b"<placeOfIssue>Shang", b"<placeOfIssue>Shang<!-- hai? -->", 1)
    assert marked != signed
    assert verify_xml(marked, [identity[1]], at=ISSUED).certificate.place_of_issue == "Shanghai"


def test_a_certificate_whose_signing_certificate_expired_still_verifies_at_a_time_it_was_valid() -> (
    None
):
    key, certificate = make_xml_signing_identity(
        "co.old.example.org", valid_from=datetime(2020, 1, 1, tzinfo=UTC), days=30
    )
    signed = sign_xml(certificate_to_xml(minimal_certificate()), key, certificate)
    with pytest.raises(XmlSignatureError, match="not valid at the verification time"):
        verify_xml(signed, [certificate])
    at = datetime(2020, 1, 15, tzinfo=UTC)
    assert verify_xml(signed, [certificate], at=at).certificate == minimal_certificate()


def test_verification_needs_at_least_one_trusted_certificate(signed: bytes) -> None:
    with pytest.raises(XmlSignatureError, match="no trusted certificate"):
        verify_xml(signed, [], at=ISSUED)


def test_a_signed_document_is_not_signed_again(signed: bytes, identity: Identity) -> None:
    with pytest.raises(XmlFormError, match="signed already"):
        sign_xml(signed, *identity)


def test_a_key_is_not_signed_with_under_another_keys_certificate(
    identity: Identity,
    stranger: Identity,
) -> None:
    with pytest.raises(XmlFormError) as caught:
        sign_xml(certificate_to_xml(minimal_certificate()), identity[0], stranger[1])
    assert caught.value.path == "certificate"


def test_the_signing_certificate_can_sign_nothing_but_documents(
    identity: Identity,
) -> None:
    certificate = identity[1]
    assert certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and not usage.key_cert_sign
    assert isinstance(certificate.public_key(), ec.EllipticCurvePublicKey)
    assert certificate.public_key().curve.name == "secp256r1"  # type: ignore[union-attr]


# ------------------------------------------------------------------------------ hostile input

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<certificateOfOrigin xmlns="https://w3id.org/rcep-origin/xml/certificate-of-origin/1.0"><remarks>&lol9;</remarks></certificateOfOrigin>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE certificateOfOrigin [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<certificateOfOrigin xmlns="https://w3id.org/rcep-origin/xml/certificate-of-origin/1.0"><remarks>&xxe;</remarks></certificateOfOrigin>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE certificateOfOrigin SYSTEM "http://127.0.0.1:9/certificate.dtd">
<certificateOfOrigin xmlns="https://w3id.org/rcep-origin/xml/certificate-of-origin/1.0"/>"""


def readers(trusted: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> dict[str, Any]:
    return {
        "certificate_from_xml": certificate_from_xml,
        "verify_xml": lambda data: verify_xml(data, [trusted]),
        "sign_xml": lambda data: sign_xml(data, key, trusted),
    }


@pytest.mark.parametrize("reader", ["certificate_from_xml", "verify_xml", "sign_xml"])
@pytest.mark.parametrize(
    ("document", "why"),
    [(BILLION_LAUGHS, "DOCTYPE"), (XXE, "DOCTYPE"), (EXTERNAL_DTD, "DOCTYPE")],
    ids=["billion-laughs", "xxe", "external-dtd"],
)
def test_a_document_with_a_dtd_is_refused_before_anything_is_expanded_or_fetched(
    reader: str,
    document: bytes,
    why: str,
    identity: Identity,
) -> None:
    read = readers(identity[1], identity[0])[reader]
    with pytest.raises(XmlFormError) as caught:
        read(document)
    assert why in caught.value.message
    assert "root:" not in str(caught.value)  # nothing of /etc/passwd leaks into the message


def test_a_dtd_hidden_in_utf_16_is_refused_as_not_utf_8() -> None:
    document = (
        XXE.decode("ascii")
        .replace('version="1.0"', 'version="1.0" encoding="UTF-16"')
        .encode("utf-16")
    )
    with pytest.raises(XmlFormError, match="UTF-8"):
        certificate_from_xml(document)


@pytest.mark.parametrize("reader", ["certificate_from_xml", "verify_xml", "sign_xml"])
def test_a_document_larger_than_the_limit_is_refused_unread(
    reader: str, identity: Identity
) -> None:
    document = certificate_to_xml(minimal_certificate())
    oversized = document + b" " * (MAX_XML_BYTES - len(document) + 1)
    with pytest.raises(XmlFormError, match="more than"):
        readers(identity[1], identity[0])[reader](oversized)


def test_a_document_that_is_not_well_formed_is_refused() -> None:
    with pytest.raises(XmlFormError, match="not well-formed"):
        certificate_from_xml(b"<certificateOfOrigin><number>CN-1</certificateOfOrigin>")
