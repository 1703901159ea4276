"""The printed certificate: an A4 PDF laid out like the RCEP form that carries the signed credential
inside it, and reading that credential back out of a possibly hostile file."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from rcep_origin.certificates.model import (
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
    one_year_after,
)
from rcep_origin.certificates.pdf import (
    ATTACHMENT_NAME,
    JWT_ATTACHMENT_NAME,
    MAX_ATTACHMENT_BYTES,
    MAX_PDF_BYTES,
    VERIFY_SENTENCE,
    PdfFormError,
    extract_credential,
    extract_jwt,
    render_pdf,
)

URL = "https://co.example.org/v/CN-2026-000123"
ISSUE_DATE = date(2026, 5, 28)
CTC_FOB = "987,654.32"
RVC_FOB = "12,345.60"
JWT = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJDTi0yMDI2LTAwMDEyMyJ9.c2lnbmF0dXJl"


def goods_item(number: int, *, criterion: str = "CTC", **changes: Any) -> GoodsItem:
    fields: dict[str, Any] = {
        "item_number": number,
        "description": f"Parts for electrical control panels, model P-{number:03d}, in 12 cartons",
        "hs_code": "8538.90",
        "marks_and_packages": f"ACME/BKK/{number:03d}\n12 cartons",
        "origin_criterion": criterion,
        "flags": [],
        "rcep_country_of_origin": "CN",
        "quantity": Quantity(value=Decimal("1200"), unit="PCE"),
        "fob_value": MoneyAmount(amount=Decimal("12345.6"), currency="USD")
        if criterion == "RVC"
        else None,
        "invoice": Invoice(number=f"INV-2026-{number:04d}", date=date(2026, 5, 20)),
        "determination": DeterminationLink(
            determination_sha256="a" * 64,
            inputs_sha256="b" * 64,
            ruleset_version="2026.1",
            engine_version="0.1.0",
        ),
    }
    fields.update(changes)
    return GoodsItem(**fields)


def make_certificate(goods: list[GoodsItem] | None = None, **changes: Any) -> Certificate:
    fields: dict[str, Any] = {
        "number": "CN-2026-000123",
        "exporting_party": "CN",
        "importing_party": "TH",
        "exporter": Organisation(
            name="Shenzhen Example Electrical Co., Ltd.",
            address="No. 18 Keji Road, Nanshan District\nShenzhen, Guangdong 518057",
            country="CN",
            identifier="91440300MA5EXAMPLE",
        ),
        "producer": None,
        "importer": Organisation(
            name="Siam Panel Builders Co., Ltd.",
            address="99/9 Moo 4, Bang Na-Trat Road, Bang Phli, Samut Prakan 10540",
            country="TH",
        ),
        "goods": goods or [goods_item(1, criterion="CTC"), goods_item(2, criterion="RVC")],
        "consignment": Consignment(
            departure_date=date(2026, 6, 2),
            transport="MV Example Star V.026E",
            port_of_discharge="Laem Chabang, Thailand",
        ),
        "issuing_body": IssuingBody(
            name="China Council for the Promotion of International Trade (example)",
            country="CN",
            id="did:web:co.example.org",
        ),
        "signatory": Signatory(name="Li Wei", position="Certification Officer"),
        "place_of_issue": "Shenzhen",
        "issue_date": ISSUE_DATE,
        "valid_until": one_year_after(ISSUE_DATE),
        "remarks": "Goods shipped in one consignment.",
    }
    fields.update(changes)
    return Certificate(**fields)


def credential_for(certificate: Certificate) -> bytes:
    """Stands in for the signed credential: the PDF only carries it, byte for byte."""
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", "RcepCertificateOfOrigin"],
        "credentialSubject": certificate.model_dump(mode="json"),
        "proof": {"type": "DataIntegrityProof", "proofValue": "z3FXQje..."},
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


@pytest.fixture
def certificate() -> Certificate:
    return make_certificate()


@pytest.fixture
def pdf(certificate: Certificate) -> bytes:
    return render_pdf(
        certificate, signed_credential=credential_for(certificate), verification_url=URL
    )


def flat(text: str) -> str:
    return " ".join(text.split())


def text_of(pdf: bytes) -> str:
    """The text of every page, with runs of white space (line breaks in boxes) as one space."""
    return flat(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def test_the_embedded_credential_round_trips_byte_for_byte(
    certificate: Certificate, pdf: bytes
) -> None:
    assert extract_credential(pdf) == credential_for(certificate)


def test_the_credential_is_a_document_level_attachment_with_its_media_type(pdf: bytes) -> None:
    [attachment] = list(PdfReader(io.BytesIO(pdf)).attachment_list)
    assert attachment.name == ATTACHMENT_NAME
    assert attachment.subtype == "/application/vc+ld+json"


def test_a_jwt_given_is_embedded_beside_the_json_credential(certificate: Certificate) -> None:
    pdf = render_pdf(
        certificate, signed_credential=credential_for(certificate), verification_url=URL, jwt=JWT
    )
    assert extract_jwt(pdf) == JWT
    assert extract_credential(pdf) == credential_for(certificate)
    assert set(PdfReader(io.BytesIO(pdf)).attachments) == {ATTACHMENT_NAME, JWT_ATTACHMENT_NAME}


def test_a_pdf_without_a_jwt_has_none_to_extract(pdf: bytes) -> None:
    assert extract_jwt(pdf) is None


def test_the_page_shows_the_number_hs_code_criterion_country_of_origin_and_url(
    pdf: bytes,
) -> None:
    text = text_of(pdf)
    assert "REGIONAL COMPREHENSIVE ECONOMIC PARTNERSHIP AGREEMENT — CERTIFICATE OF ORIGIN" in text
    assert "CN-2026-000123" in text
    assert "8538.90" in text
    assert "CTC" in text and "RVC" in text
    assert "China" in text
    assert URL in text
    assert VERIFY_SENTENCE in text


def test_the_fob_value_is_printed_only_for_a_good_under_the_rvc_criterion_annex_3b_k() -> None:
    # A CTC good with an FOB value cannot even be built (the model refuses it); what the PDF
    # shows is the RVC good's FOB value and no other amount.
    certificate = make_certificate(
        goods=[
            goods_item(1, criterion="CTC"),
            goods_item(
                2, criterion="RVC", fob_value=MoneyAmount(amount=Decimal("12345.6"), currency="USD")
            ),
        ]
    )
    text = text_of(
        render_pdf(certificate, signed_credential=credential_for(certificate), verification_url=URL)
    )
    assert f"FOB USD {RVC_FOB}" in text
    assert text.count("FOB USD") == 1


def test_a_ctc_good_s_value_stays_off_the_page_even_when_the_credential_is_embedded() -> None:
    certificate = make_certificate(goods=[goods_item(1, criterion="CTC")])
    text = text_of(
        render_pdf(certificate, signed_credential=credential_for(certificate), verification_url=URL)
    )
    assert "FOB" not in text.replace("value (FOB) where RVC is applied", "")
    assert CTC_FOB not in text and "987654" not in text


def test_criterion_flags_acu_and_dmi_are_printed_with_the_criterion() -> None:
    certificate = make_certificate(goods=[goods_item(1, criterion="CTC", flags=["ACU", "DMI"])])
    text = text_of(
        render_pdf(certificate, signed_credential=credential_for(certificate), verification_url=URL)
    )
    assert "ACU DMI" in text


def test_a_missing_producer_is_printed_as_a_dash(pdf: bytes) -> None:
    text = text_of(pdf)
    producer_box = text.split("2. Producer's name, address and country (if known)")[1]
    assert producer_box.lstrip().startswith("—")


def test_indicators_are_ticked_only_when_they_apply() -> None:
    certificate = make_certificate(
        issue_date=date(2026, 6, 5), valid_until=one_year_after(date(2026, 6, 5)), retroactive=True
    )
    text = text_of(
        render_pdf(certificate, signed_credential=credential_for(certificate), verification_url=URL)
    )
    assert "☐ Back-to-back Certificate of Origin" in text
    assert "☐ Third-party invoicing" in text
    assert "☒ Issued retroactively" in text


def test_the_validity_and_issue_details_are_printed_art_3_16_6(pdf: bytes) -> None:
    text = text_of(pdf)
    assert "Valid until: 2027-05-28" in text
    assert "Shenzhen, 2026-05-28" in text
    assert "Li Wei, Certification Officer" in text


def test_a_sixty_item_certificate_flows_onto_several_pages_with_the_header_repeated() -> None:
    certificate = make_certificate(goods=[goods_item(n) for n in range(1, 61)])
    pdf = render_pdf(
        certificate, signed_credential=credential_for(certificate), verification_url=URL
    )
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) >= 3
    for page in pages:
        text = flat(page.extract_text())
        assert "CN-2026-000123" in text
        assert "CERTIFICATE OF ORIGIN" in text
    for page in pages[:-1]:
        assert "9. HS Code of the goods" in flat(page.extract_text())
    everything = text_of(pdf)
    assert "INV-2026-0060" in everything
    assert f"Page {len(pages)} of {len(pages)}" in everything


def test_rendering_the_same_inputs_twice_gives_identical_bytes(certificate: Certificate) -> None:
    credential = credential_for(certificate)
    first = render_pdf(certificate, signed_credential=credential, verification_url=URL, jwt=JWT)
    second = render_pdf(certificate, signed_credential=credential, verification_url=URL, jwt=JWT)
    assert first == second


def test_the_title_and_creation_date_come_from_the_certificate(pdf: bytes) -> None:
    metadata = PdfReader(io.BytesIO(pdf)).metadata
    assert metadata is not None
    assert metadata.title == "CN-2026-000123"
    assert metadata.creation_date is not None
    assert metadata.creation_date.date() == ISSUE_DATE


def test_characters_the_font_lacks_are_replaced_and_the_reader_told() -> None:
    # Ethiopic: a script of no Party, for which no font is added.
    exporter = Organisation(name="Công ty TNHH Điện Việt ሰላም\u202e", address="Hà Nội", country="VN")
    certificate = make_certificate(
        number="VN-2026-000001",
        exporting_party="VN",
        exporter=exporter,
        issuing_body=IssuingBody(name="VCCI (example)", country="VN", id="did:web:co.example.vn"),
        goods=[goods_item(1, rcep_country_of_origin="VN")],
    )
    text = text_of(
        render_pdf(certificate, signed_credential=credential_for(certificate), verification_url=URL)
    )
    assert "Công ty TNHH Điện Việt" in text
    assert "\ufffd" in text and "ሰ" not in text and "\u202e" not in text
    assert "marks a character this font cannot show" in text


def test_a_value_too_long_for_its_cell_is_shortened_and_the_footer_says_so() -> None:
    # 2,000 wide letters would make a row taller than a page; the credential keeps them all.
    certificate = make_certificate(goods=[goods_item(1, description="W" * 2000)])
    credential = credential_for(certificate)
    pdf = render_pdf(certificate, signed_credential=credential, verification_url=URL)
    text = text_of(pdf)
    assert "W […]" in text
    assert "Text ending in […] is shortened here." in text
    assert extract_credential(pdf) == credential


def test_a_page_number_placeholder_in_the_data_is_printed_as_written() -> None:
    certificate = make_certificate(remarks="See {nb} cartons")
    text = text_of(
        render_pdf(certificate, signed_credential=credential_for(certificate), verification_url=URL)
    )
    assert "See {nb} cartons" in text


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"signed_credential": b""}, "signed_credential"),
        ({"signed_credential": b"not json"}, "signed_credential"),
        ({"signed_credential": b"[1, 2]"}, "signed_credential"),
        ({"signed_credential": b"{" + b" " * MAX_ATTACHMENT_BYTES + b"}"}, "signed_credential"),
        ({"verification_url": "javascript:alert(1)"}, "verification_url"),
        ({"verification_url": "https://co.example.org/v/a b"}, "verification_url"),
        ({"verification_url": "https://co.example.org/" + "x" * 600}, "verification_url"),
        ({"jwt": "not a jwt"}, "jwt"),
    ],
)
def test_bad_rendering_input_is_refused_naming_the_argument(
    certificate: Certificate, changes: dict[str, Any], path: str
) -> None:
    arguments: dict[str, Any] = {
        "signed_credential": credential_for(certificate),
        "verification_url": URL,
    }
    arguments.update(changes)
    with pytest.raises(PdfFormError) as caught:
        render_pdf(certificate, **arguments)
    assert caught.value.path == path


def test_garbage_bytes_are_not_a_pdf() -> None:
    with pytest.raises(PdfFormError, match="not a PDF"):
        extract_credential(b"\x00\x01garbage" * 100)


def test_a_file_with_a_pdf_header_and_garbage_after_it_is_refused_without_a_traceback() -> None:
    with pytest.raises(PdfFormError, match="cannot be read as a PDF") as caught:
        extract_credential(b"%PDF-1.7\n" + b"\xff\xfe garbage " * 500)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_a_truncated_pdf_is_refused(pdf: bytes) -> None:
    for cut in (len(pdf) // 2, len(pdf) - 20):
        with pytest.raises(PdfFormError):
            extract_credential(pdf[:cut])


def test_an_oversized_file_is_refused_before_it_is_parsed(pdf: bytes) -> None:
    oversized = pdf + b"\n%" + b"x" * (MAX_PDF_BYTES - len(pdf))
    with pytest.raises(PdfFormError, match="at most"):
        extract_credential(oversized)


def test_a_pdf_without_the_attachment_is_refused(pdf: bytes) -> None:
    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        writer.add_page(page)
    plain = io.BytesIO()
    writer.write(plain)
    with pytest.raises(PdfFormError, match="no embedded electronic certificate"):
        extract_credential(plain.getvalue())


def test_two_attachments_with_the_credential_s_name_are_refused(pdf: bytes) -> None:
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    writer.add_attachment(ATTACHMENT_NAME, b'{"forged": true}')
    doubled = io.BytesIO()
    writer.write(doubled)
    with pytest.raises(PdfFormError, match="expected one"):
        extract_credential(doubled.getvalue())


def test_an_attachment_larger_than_one_mebibyte_is_refused() -> None:
    # Highly compressible, so the file stays small: a compression bomb in miniature.
    bomb = FPDF()
    bomb.add_page()
    bomb.embed_file(
        bytes=b"{" + b" " * (2 * MAX_ATTACHMENT_BYTES) + b"}",
        basename=ATTACHMENT_NAME,
        compress=True,
    )
    data = bytes(bomb.output())
    assert len(data) < MAX_ATTACHMENT_BYTES // 100
    with pytest.raises(PdfFormError, match="larger than"):
        extract_credential(data)


@pytest.mark.skipif(
    shutil.which("zbarimg") is None or shutil.which("pdftoppm") is None,
    reason="needs zbarimg (zbar-tools) and pdftoppm (poppler-utils)",
)
def test_the_qr_code_on_page_one_decodes_to_the_verification_url(
    pdf: bytes, tmp_path: Path
) -> None:
    source = tmp_path / "certificate.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "150",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(source),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    decoded = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(tmp_path / "page.png")],
        check=True,
        capture_output=True,
        text=True,
    )
    assert decoded.stdout.strip().splitlines() == [URL]


# --- every script of the Parties (issue 21) ------------------------------------------------------

SCRIPTS = {
    "Chinese": "苏州精密面板有限公司",
    "Japanese": "株式会社トヨタ自動車",
    "Korean": "삼성전자 주식회사",
    "Thai": "บริษัท สยามออโตเมชั่น จำกัด",
    "Lao": "ບໍລິສັດ ລາວ ຈໍາກັດ",
    "Khmer": "ក្រុមហ៊ុន ខ្មែរ",
    "Myanmar": "မြန်မာ ကုမ္ပဏီ",
    "Tamil": "சிங்கப்பூர் நிறுவனம்",
    "Jawi": "شركة بروناي",
    "Vietnamese": "Công ty TNHH Điện Việt",
}


def _installed(text: str) -> bool:
    """Whether the fonts for ``text`` are installed (make and CI install them)."""
    from rcep_origin.certificates import _pdf_fonts

    dirs = tuple(_pdf_fonts.font_dirs())
    families = (*_pdf_fonts.FALLBACKS, _pdf_fonts.cjk_family("CN"))
    if all(ord(c) < 0x2000 and not 0x0600 <= ord(c) < 0x0700 for c in text):
        return True  # DejaVu, shipped
    return any(_pdf_fonts.font_path(f, "", dirs) is not None for f in families)


def _comparable(text: str) -> str:
    """Text as read back may break a line or a cluster with spaces, and carries bidirectional
    marks: compare without them."""
    import unicodedata

    return "".join(
        c
        for c in unicodedata.normalize("NFC", text)
        if not c.isspace() and unicodedata.category(c) != "Cf"
    )


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
@pytest.mark.parametrize("script", SCRIPTS)
def test_every_script_of_the_parties_prints_and_reads_back(script: str, tmp_path: Path) -> None:
    name = SCRIPTS[script]
    if not _installed(name):
        pytest.skip("the Noto fonts are not installed (fonts-noto-cjk, fonts-noto-core)")
    certificate = make_certificate(
        exporter=Organisation(name=name, address=f"{name}, 88 Xinghu Street", country="CN"),
        goods=[goods_item(1, description=f"{name} control panel parts")],
        remarks=name,
    )
    pdf = render_pdf(
        certificate, signed_credential=credential_for(certificate), verification_url=URL
    )
    (tmp_path / "c.pdf").write_bytes(pdf)
    read = subprocess.run(
        ["pdftotext", "-raw", str(tmp_path / "c.pdf"), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "\ufffd" not in read, "a glyph is missing"
    text = _comparable(read)
    if script == "Jawi":  # read back in visual order, right to left, word by word
        assert all(_comparable(word)[::-1] in text for word in name.split())
    else:
        assert _comparable(name) in text
    assert extract_credential(pdf) == credential_for(certificate)


def _render_in_a_new_process(certificate: Certificate) -> bytes:
    import sys

    script = (
        "import sys, json\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from test_certificate_pdf import credential_for, URL\n"
        "from rcep_origin.certificates.model import Certificate\n"
        "from rcep_origin.certificates.pdf import render_pdf\n"
        "c = Certificate.model_validate_json(sys.stdin.read())\n"
        "sys.stdout.buffer.write(render_pdf(c, signed_credential=credential_for(c), "
        "verification_url=URL))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", script, str(Path(__file__).parent)],
        input=certificate.model_dump_json().encode(),
        capture_output=True,
        check=True,
    ).stdout


def test_the_bytes_never_depend_on_what_the_process_rendered_before() -> None:
    """Fonts are parsed once per process and their subsets kept: a document is still the same
    bytes whether it is the first rendered or comes after others (other glyphs, other
    scripts)."""
    latin = make_certificate(remarks="Quartz, jade & zinc: 42 boxes.")
    others = [make_certificate(remarks=f"{text} {n}") for n, text in enumerate(SCRIPTS.values())]
    fresh = _render_in_a_new_process(latin)
    for other in others:
        render_pdf(other, signed_credential=credential_for(other), verification_url=URL)
    warm = render_pdf(latin, signed_credential=credential_for(latin), verification_url=URL)
    assert warm == fresh
    chinese = others[0]
    assert render_pdf(
        chinese, signed_credential=credential_for(chinese), verification_url=URL
    ) == _render_in_a_new_process(chinese)


def test_each_font_is_parsed_once_per_process() -> None:
    from rcep_origin.certificates import _pdf_fonts

    first = make_certificate(remarks="first")
    render_pdf(first, signed_credential=credential_for(first), verification_url=URL)
    parsed = dict(_pdf_fonts._TEMPLATES)
    second = make_certificate(remarks="second, other words")
    render_pdf(second, signed_credential=credential_for(second), verification_url=URL)
    assert parsed == _pdf_fonts._TEMPLATES
