"""The printed face of a certificate of origin: an A4 PDF laid out like the RCEP form, with the
signed electronic certificate embedded in it.

The PDF is for people and the embedded credential is for machines. The PDF shows every item of
Annex 3B in the boxes of the RCEP Certificate of Origin form (boxes 1 to 16), and a QR code that
holds only the verification URL, never the credential. The signed credential (and, if given,
its JWT form) travels inside the PDF as a document-level attachment, so the file can be verified
offline. The printed text is a rendering: where it and the credential differ, the credential
governs.

Annex 3B item         box on the form
(a) exporter          1
(b) producer          2 (printed "—" when not stated)
(c) importer          3
(j) consignment       4 (departure date, vessel or flight, port of discharge) and 13 (invoices)
(d) goods, HS code    8, 9
(e) number            page header
(f) criterion         10 (with the ACU and DMI flags)
(i) country of origin 11 (Art. 2.6)
(l), (k) quantity/FOB 12 (the FOB value only for a good under the RVC criterion)
(m) back-to-back      indicators, with the original proof's details
(g) declaration       15
(h) certification     16, with the signatory, place and date of issue, and validity
                      (Art. 3.16(6): one year from issue)

Reproducible: the creation date is the issue date and no clock is read, so the same inputs give
the same bytes.

Fonts (``_pdf_fonts``): DejaVu Sans Condensed (``fonts/``, from Debian ``fonts-dejavu-extra``
2.37; licence in ``fonts/LICENSE``) for Latin with all its diacritics (Vietnamese, Malay,
Indonesian, Filipino names), Greek and Cyrillic, and the em dash and ballot boxes of the form;
Noto, from the Debian packages ``fonts-noto-cjk`` and ``fonts-noto-core``, for every other
script of the Parties -- Chinese, Japanese, Korean, Thai, Lao, Khmer, Myanmar, Tamil, Jawi --
added to a document only when its text needs them, shaped with HarfBuzz where the script needs
it. Each font is parsed once per process and embedded as the subset a document uses. A
character no installed font has is printed as U+FFFD and the page footer says so. Control and
invisible format characters (bidirectional overrides) are dropped. A value too long for its
box (a row never outgrows a page) is cut and ends in "[…]", and the footer says so too. In
every case the embedded credential keeps the exact text.

Fast: a typical one-page certificate renders in some 15 ms. The form's own sentences are
fitted to their boxes once per process, the goods table is drawn from text already fitted to
its columns, and a font is written from a compact copy cut down once per set of glyphs. None
of it changes what a document looks like, and none depends on what was rendered before.

Reading a PDF back (``extract_credential``) treats the file as hostile: it is size-checked before
parsing, decompression is bounded, and nothing is rendered or executed.
"""

from __future__ import annotations

import io
import json
import re
import threading
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from decimal import Context, Decimal
from typing import Any, NamedTuple, cast

import pycountry
import segno
from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue, XPos, YPos
from fpdf.fonts import TTFFont
from pypdf import PdfReader, apply_configuration, get_configuration

from rcep_origin.certificates import _pdf_fonts
from rcep_origin.certificates.model import (
    VALIDITY_ARTICLE,
    Certificate,
    GoodsItem,
    Organisation,
)
from rcep_origin.errors import InputError
from rcep_origin.parties import parties

ATTACHMENT_NAME = "certificate.vc.json"
ATTACHMENT_MIME_TYPE = "application/vc+ld+json"
JWT_ATTACHMENT_NAME = "certificate.vc.jwt"
JWT_MIME_TYPE = "application/vc+jwt"
MAX_PDF_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENT_BYTES = 1024 * 1024
MAX_URL_LENGTH = 512  # a longer URL makes a QR code too dense to scan from paper

VERIFY_SENTENCE = (
    "This PDF embeds the signed electronic certificate; verify it offline with "
    "`rcep-origin certificate verify FILE.pdf`."
)
TITLE = "REGIONAL COMPREHENSIVE ECONOMIC PARTNERSHIP AGREEMENT — CERTIFICATE OF ORIGIN"
CERTIFICATION_TEXT = (
    "On the basis of control carried out, it is hereby certified that the information herein is "
    "correct and that the goods described meet all the relevant requirements of Chapter 3 of the "
    "RCEP Agreement."
)
REPLACEMENT = "\ufffd"


class PdfFormError(InputError):
    """A certificate PDF cannot be made or read: bad rendering input, a file that is too large or
    is not a PDF, or a PDF without the embedded credential."""


# ---------------------------------------------------------------------------------------------
# Rendering


def render_pdf(
    certificate: Certificate,
    *,
    signed_credential: bytes,
    verification_url: str,
    jwt: str | None = None,
) -> bytes:
    """The certificate as an A4 PDF (one or more pages) with ``signed_credential`` embedded as
    ``ATTACHMENT_NAME`` and ``jwt``, when given, as ``JWT_ATTACHMENT_NAME``."""
    _check_credential(signed_credential)
    _check_url(verification_url)
    if jwt is not None:
        _check_jwt(jwt)
    form = _Form(certificate)
    form.draw(verification_url)
    stamp = datetime.combine(certificate.issue_date, time(0), tzinfo=UTC)
    form.embed_file(
        bytes=signed_credential,
        basename=ATTACHMENT_NAME,
        mime_type=ATTACHMENT_MIME_TYPE,
        desc=f"Signed electronic certificate of origin {certificate.number} (W3C Verifiable Credential)",
        creation_date=stamp,
        modification_date=stamp,
        compress=True,
    )
    if jwt is not None:
        form.embed_file(
            bytes=jwt.encode("ascii"),
            basename=JWT_ATTACHMENT_NAME,
            mime_type=JWT_MIME_TYPE,
            desc=f"Certificate of origin {certificate.number} as a JWT-secured credential",
            creation_date=stamp,
            modification_date=stamp,
            compress=True,
        )
    return bytes(form.output())


def _check_credential(credential: bytes) -> None:
    if not isinstance(credential, bytes | bytearray):
        raise PdfFormError("the signed credential must be bytes", path="signed_credential")
    if not credential or len(credential) > MAX_ATTACHMENT_BYTES:
        raise PdfFormError(
            f"the signed credential must hold 1 to {MAX_ATTACHMENT_BYTES} bytes, "
            f"not {len(credential)}",
            path="signed_credential",
        )
    try:
        document = json.loads(bytes(credential).decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise PdfFormError(
            "the signed credential is not UTF-8 JSON", path="signed_credential"
        ) from None
    if not isinstance(document, dict):
        raise PdfFormError("the signed credential is not a JSON object", path="signed_credential")


_URL = re.compile(r"https?://[!-~]+")  # printable ASCII, no spaces: percent-encode the rest


def _check_url(url: str) -> None:
    if not isinstance(url, str) or not _URL.fullmatch(url) or len(url) > MAX_URL_LENGTH:
        raise PdfFormError(
            f"the verification URL must be an http(s) URL of printable ASCII, at most "
            f"{MAX_URL_LENGTH} characters",
            path="verification_url",
        )


_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+")


def _check_jwt(jwt: str) -> None:
    if (
        not isinstance(jwt, str)
        or len(jwt) > MAX_ATTACHMENT_BYTES
        or not _COMPACT_JWS.fullmatch(jwt)
    ):
        raise PdfFormError(
            f"the JWT must be a compact JWS (three base64url parts) of at most "
            f"{MAX_ATTACHMENT_BYTES} characters",
            path="jwt",
        )


# Page geometry, in millimetres (A4 portrait).
_PAGE_HEIGHT = 297.0
_MARGIN = 10.0
_WIDTH = 190.0  # between the margins
_LEFT_WIDTH = 112.0
_RIGHT_WIDTH = _WIDTH - _LEFT_WIDTH
_BOTTOM = 15.0  # the footer lives below this
_PAD = 1.2
_QR_SIZE = 30.0
_CELL_LINE_HEIGHT = 3.2

# (heading, width, most lines printed) of the goods table, boxes 6 to 13; widths add up to
# _WIDTH. The line limits keep the tallest possible row well inside one page.
_COLUMNS: tuple[tuple[str, float, int], ...] = (
    ("6. Item number", 11, 1),
    ("7. Marks and numbers on packages", 26, 30),
    ("8. Number and kind of packages; and description of goods", 44, 40),
    ("9. HS Code of the goods (6-digit)", 17, 1),
    ("10. Origin conferring criterion", 19, 2),
    ("11. RCEP country of origin", 19, 4),
    (
        "12. Quantity (gross weight or other measurement), and value (FOB) where RVC is applied",
        31,
        6,
    ),
    ("13. Invoice number(s) and date of invoice(s)", 23, 8),
)

_FONT = _pdf_fonts.PRIMARY.name
_ALIGNS = (Align.C, Align.L, Align.L, Align.C, Align.C, Align.C, Align.R, Align.L)
_CELL_PAD = 0.8  # above and below the text of a goods table cell
# style name: (emphasis, size in points)
_STYLES = {
    "label": ("B", 6.5),
    "strong": ("B", 8.0),
    "text": ("", 8.0),
    "small": ("", 6.5),
    "cell": ("", 7.2),
    "heading": ("B", 6.2),
}
SHORTENED = " […]"


def _line_height(style: str) -> float:
    return _STYLES[style][1] * 1.25 * 25.4 / 72  # 1.25 times the font size, in millimetres


class _P(NamedTuple):
    """A paragraph in a box, printed on at most ``max_lines`` lines (shortened with […])."""

    style: str
    text: str
    max_lines: int = 3


# What a box holds, top to bottom: paragraphs, or a number: blank space of that many millimetres.
_Block = _P | float


def _plain(text: str, *, multiline: bool = False) -> str:
    """``text`` in NFC without control or invisible format characters (so no bidirectional
    overrides can reorder what is printed); tabs as spaces; line breaks kept only if
    ``multiline``."""
    out: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        if char in "\n\u2028\u2029":
            out.append("\n" if multiline else " ")
        elif char in "\t\r":
            out.append(" ")
        elif unicodedata.category(char) not in ("Cc", "Cf", "Cs"):
            out.append(char)
    return "".join(out).strip()


def _row_height(cells: list[list[str]]) -> float:
    return max(len(lines) for lines in cells) * _CELL_LINE_HEIGHT + 2 * _CELL_PAD


# Texts fitted to boxes (``_Form.fit``): (style, text, width, most lines, fonts) -> (the lines,
# whether the text was shortened).
_FITTED: dict[
    tuple[str, str, float, int, tuple[_pdf_fonts.Family, ...]], tuple[tuple[str, ...], bool]
] = {}
_MAX_FITTED = 20_000

# The goods table's headings as fitted to their columns: the same text in the same font every
# time, so fitted once per process (the lines do not depend on anything else).
_HEADINGS: dict[tuple[str, float], list[str]] = {}


def _heading_lines(form: _Form, text: str, width: float) -> list[str]:
    key = (text, width)
    if key not in _HEADINGS:
        _HEADINGS[key] = form.fit("heading", text, width, 10)
    return _HEADINGS[key]


def _document_text(certificate: Certificate) -> set[str]:
    """Every character of the certificate's own text, as ``_plain`` leaves it for printing."""
    chars: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, str):
            chars.update(_plain(value, multiline=True))
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(certificate.model_dump(mode="json", exclude_none=True))
    chars.discard("\n")
    return chars


def _coverage(family: _pdf_fonts.Family) -> frozenset[int] | None:
    """The characters both the family's regular and bold font have glyphs for, or None if it is
    not installed."""
    dirs = tuple(_pdf_fonts.font_dirs())
    covered: frozenset[int] | None = None
    for style in _pdf_fonts.STYLES:
        path = _pdf_fonts.font_path(family, style, dirs)
        if path is None:
            return None
        glyphs = _pdf_fonts.template(path, family.face, style, common=family == _PRIMARY).glyphs
        covered = glyphs if covered is None else covered & glyphs
    return covered


_PRIMARY = _pdf_fonts.PRIMARY


def _fallbacks_for(certificate: Certificate) -> tuple[_pdf_fonts.Family, ...]:
    """The Noto families for the characters of ``certificate`` that DejaVu lacks: only those it
    needs, in fpdf2's order of trying them."""
    primary = _coverage(_PRIMARY) or frozenset()
    needed = {ord(c) for c in _document_text(certificate)} - primary
    plan: list[_pdf_fonts.Family] = []
    for family in (*_pdf_fonts.FALLBACKS, _pdf_fonts.cjk_family(certificate.exporting_party)):
        if not needed:
            break
        covered = (_coverage(family) or frozenset()) & needed
        if covered:
            plan.append(family)
            needed -= covered
    return tuple(plan)


class _Fonted(FPDF):
    """An A4 document with DejaVu and the given Noto fallback families (each font parsed once
    per process); text is shaped where its script needs it."""

    def __init__(self, fallbacks: tuple[_pdf_fonts.Family, ...]) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.fallbacks = fallbacks
        self._templates: dict[str, _pdf_fonts.FontTemplate] = {}
        primary = self._add_family(_PRIMARY)
        self.printable = primary
        self.shaping_chars: frozenset[int] = frozenset()
        for family in fallbacks:
            covered = self._add_family(family)
            self.printable |= covered
            if family.shaping:  # what this family draws: what DejaVu cannot
                self.shaping_chars |= covered - primary
        if fallbacks:
            self.set_fallback_fonts([family.name for family in fallbacks], exact_match=True)
        self.c_margin = _PAD

    def _add_family(self, family: _pdf_fonts.Family) -> frozenset[int]:
        dirs = tuple(_pdf_fonts.font_dirs())
        covered: frozenset[int] | None = None
        for style in _pdf_fonts.STYLES:
            path = _pdf_fonts.font_path(family, style, dirs)
            assert path is not None  # chosen by _fallbacks_for among installed families
            template = _pdf_fonts.template(path, family.face, style, common=family == _PRIMARY)
            fontkey = f"{family.name}{style}"
            self.fonts[fontkey] = template.for_document(self, fontkey)
            self._templates[fontkey] = template
            covered = template.glyphs if covered is None else covered & template.glyphs
            if template.font.is_cff and template.font.is_cid_keyed:
                self._set_min_pdf_version("1.6")
        return covered or frozenset()

    def shape_for(self, text: str) -> None:
        """Shaping (HarfBuzz) on for a text in a script that needs it, off for the rest: it
        costs, and Latin text needs none."""
        wanted = not self.shaping_chars.isdisjoint(map(ord, text)) if self.shaping_chars else False
        if wanted != (self.text_shaping is not None):
            self.set_text_shaping(wanted)

    def cell(self, w: Any = None, h: Any = None, text: str = "", *args: Any, **kwargs: Any) -> Any:
        self.shape_for(text)
        return super().cell(w, h, text, *args, **kwargs)

    def multi_cell(self, w: Any, h: Any = None, text: str = "", *args: Any, **kwargs: Any) -> Any:
        self.shape_for(text)
        return super().multi_cell(w, h, text, *args, **kwargs)

    def get_string_width(self, s: str, *args: Any, **kwargs: Any) -> float:
        self.shape_for(s)
        return float(super().get_string_width(s, *args, **kwargs))

    def style(self, name: str) -> None:
        emphasis, size = _STYLES[name]
        self.set_font(_FONT, emphasis, size)

    def measure(
        self, style: str, text: str, width: float, max_lines: int
    ) -> tuple[list[str], bool]:
        """``text`` wrapped to ``width`` in ``style``: at most ``max_lines`` lines, the last
        ending in […] if cut; and whether it was cut."""
        self.style(style)
        room = width - 2 * self.c_margin
        segments = text.split("\n")
        if len(segments) <= max_lines and all(self.get_string_width(x) <= room for x in segments):
            return segments, False  # the common case, without running the line breaker
        lines = cast(
            list[str],
            self.multi_cell(
                width, 1, text, dry_run=True, output=MethodReturnValue.LINES, align=Align.L
            ),
        )
        if len(lines) <= max_lines:
            return lines or [""], False
        kept = lines[:max_lines]
        last = kept[-1].rstrip()
        while last and self.get_string_width(last + SHORTENED) > room:
            last = last[:-1].rstrip()
        kept[-1] = last + SHORTENED
        return kept, True


# A document that only measures text (``_Form.fit``), one per set of fallback families. Its
# line breaker picks glyphs as it goes, so measuring in the document being drawn would make the
# order of its glyphs, and so its bytes, depend on which texts were measured before.
_MEASURERS: dict[tuple[_pdf_fonts.Family, ...], _Fonted] = {}
_MEASURING = threading.Lock()


class _Form(_Fonted):
    """One certificate on A4 pages; ``draw`` lays out every box."""

    def __init__(self, certificate: Certificate) -> None:
        super().__init__(_fallbacks_for(certificate))
        self.certificate = certificate
        self.replaced_characters = False
        self.shortened_text = False
        self.set_margins(_MARGIN, _MARGIN, _MARGIN)
        self.set_auto_page_break(True, margin=_BOTTOM)
        self.alias_nb_pages("")  # totals are written after layout, so "{nb}" in data stays text
        self.set_line_width(0.25)
        self.set_title(certificate.number)
        self.set_subject("RCEP Certificate of Origin")
        self.set_author(_plain(certificate.issuing_body.name))
        self.set_creator("rcep-origin")
        self.set_lang("en")
        self.set_creation_date(datetime.combine(certificate.issue_date, time(0), tzinfo=UTC))

    def output(self, *args: Any, **kwargs: Any) -> Any:
        """Each font cut down to the glyphs this document used (fallback fonts it did not use
        are left out), then written."""
        for fontkey, template in self._templates.items():
            font = self.fonts[fontkey]
            assert isinstance(font, TTFFont)
            if fontkey.startswith(_FONT) or len(font.subset) > 2:
                template.prepare_output(font)
            else:  # only the .notdef and space glyphs every font starts with
                del self.fonts[fontkey]
        return super().output(*args, **kwargs)

    # -- text -----------------------------------------------------------------------------------

    def clean(self, text: str, *, multiline: bool = False) -> str:
        """``text`` made safe to print (see ``_plain``), with U+FFFD for each character the font
        has no glyph for."""
        out: list[str] = []
        for char in _plain(text, multiline=multiline):
            if char == "\n" or ord(char) in self.printable:
                out.append(char)
            else:
                self.replaced_characters = True
                out.append(REPLACEMENT)
        return "".join(out)

    def fit(self, style: str, text: str, width: float, max_lines: int) -> list[str]:
        """``text`` wrapped to ``width``: at most ``max_lines`` lines, the last ending in […] if
        cut, so that no value, however long or full of line breaks, can outgrow its box or page.

        The lines depend on nothing but the arguments and the fonts, so they are kept for the
        next document: the form's own sentences and labels are fitted once per process."""
        key = (style, text, width, max_lines, self.fallbacks)
        found = _FITTED.get(key)
        if found is None:
            with _MEASURING:
                measurer = _MEASURERS.get(self.fallbacks)
                if measurer is None:
                    measurer = _MEASURERS[self.fallbacks] = _Fonted(self.fallbacks)
                    measurer.set_auto_page_break(False)
                    measurer.add_page()
                lines, shortened = measurer.measure(style, text, width, max_lines)
                found = (tuple(lines), shortened)
                if len(_FITTED) >= _MAX_FITTED:  # and the measurers' memory of widths with it
                    _FITTED.clear()
                    _MEASURERS.clear()
                _FITTED[key] = found
        if found[1]:
            self.shortened_text = True
        self.style(style)
        return list(found[0])

    def prepare(self, width: float, blocks: Sequence[_Block]) -> tuple[list[_Block], float]:
        """The blocks with their text wrapped (and fitted) to ``width``, and the height of the
        box they fill."""
        fitted: list[_Block] = []
        height = 2 * _PAD
        for block in blocks:
            if isinstance(block, _P):
                lines = self.fit(block.style, block.text, width, block.max_lines)
                block = block._replace(text="\n".join(lines))
                height += len(lines) * _line_height(block.style)
            else:
                height += block
            fitted.append(block)
        return fitted, height

    def box(self, x: float, y: float, w: float, h: float, blocks: Sequence[_Block]) -> None:
        """A ruled box with prepared blocks in it (the page never breaks inside a box)."""
        self.rect(x, y, w, h)
        self.set_xy(x, y + _PAD)
        for block in blocks:
            if not isinstance(block, _P):
                self.set_y(self.get_y() + block)
                continue
            self.style(block.style)
            for line in block.text.split("\n"):
                self.set_x(x)
                self.cell(w, _line_height(block.style), line, align=Align.L, new_y=YPos.NEXT)

    def column(
        self,
        x: float,
        y: float,
        w: float,
        boxes: Sequence[tuple[list[_Block], float]],
        total: float,
    ) -> None:
        """Prepared boxes stacked from ``y``; the last one stretches to make ``total``."""
        slack = total - sum(height for _, height in boxes)
        for index, (blocks, height) in enumerate(boxes):
            if index == len(boxes) - 1:
                height += slack
            self.box(x, y, w, height, blocks)
            y += height

    def full_width_box(self, blocks: Sequence[_Block]) -> None:
        fitted, height = self.prepare(_WIDTH, blocks)
        self.ensure_room(height)
        y = self.get_y()
        self.box(_MARGIN, y, _WIDTH, height, fitted)
        self.set_xy(_MARGIN, y + height)

    def ensure_room(self, height: float) -> None:
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()

    # -- header and footer ------------------------------------------------------------------------

    def header(self) -> None:
        c = self.certificate
        self.set_y(_MARGIN)
        self.set_font(_FONT, "B", 10.5)
        self.cell(_WIDTH, 5.5, TITLE, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        number = f"Certificate No. {self.clean(c.number)}"
        if self.page_no() > 1:
            number += "  (continued)"
        issued = f"Issued in {_country(c.exporting_party)}"
        self.set_font(_FONT, "B", 9)
        number_width = self.get_string_width(number) + 2 * self.c_margin
        self.cell(number_width, 5, number, align=Align.L)
        self.set_font(_FONT, "", 9)
        if number_width + self.get_string_width(issued) + 2 * self.c_margin > _WIDTH:
            self.ln(5)  # a long number: "Issued in" goes on a line of its own
        self.cell(0, 5, issued, align=Align.R, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_y(self.get_y() + 1.5)

    def footer(self) -> None:
        """Nothing: ``number_pages`` writes every footer once the page count is known."""

    def number_pages(self) -> None:
        notes = [
            f"This page renders the embedded electronic certificate ({ATTACHMENT_NAME}), which governs."
        ]
        if self.replaced_characters:
            notes.append(f"{REPLACEMENT} marks a character this font cannot show.")
        if self.shortened_text:
            notes.append("Text ending in […] is shortened here.")
        total = self.pages_count
        self.set_auto_page_break(False)
        for page in range(1, total + 1):
            self.page = page
            self.set_xy(_MARGIN, _PAGE_HEIGHT - _BOTTOM + 3)
            self.set_font(_FONT, "", 6.5)
            self.set_text_color(70)
            self.cell(
                _WIDTH,
                3,
                f"RCEP Certificate of Origin {self.clean(self.certificate.number)} · "
                f"Page {page} of {total}",
                align=Align.C,
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
            self.multi_cell(_WIDTH, 3, " ".join(notes), align=Align.C)
            self.set_text_color(0)
        self.page = total

    # -- the form ---------------------------------------------------------------------------------

    def draw(self, verification_url: str) -> None:
        self.add_page()
        self.draw_parties(verification_url)
        self.draw_goods()
        self.draw_indicators()
        self.draw_remarks()
        self.draw_declaration_and_certification()
        self.number_pages()

    def draw_parties(self, verification_url: str) -> None:
        """Boxes 1 to 4 on the left; box 5 and the QR code on the right."""
        c = self.certificate
        producer = self.organisation(c.producer) if c.producer else [_P("text", "—")]
        left = [
            self.prepare(
                _LEFT_WIDTH,
                [
                    _P("label", "1. Exporter's name, address and country"),
                    *self.organisation(c.exporter),
                ],
            ),
            self.prepare(
                _LEFT_WIDTH,
                [_P("label", "2. Producer's name, address and country (if known)"), *producer],
            ),
            self.prepare(
                _LEFT_WIDTH,
                [
                    _P("label", "3. Importer's or consignee's name, address and country"),
                    *self.organisation(c.importer),
                ],
            ),
            self.prepare(
                _LEFT_WIDTH,
                [
                    _P("label", "4. Means of transport and route (if known)"),
                    _P("text", f"Departure date: {_day(c.consignment.departure_date)}"),
                    _P(
                        "text",
                        "Vessel's name / aircraft flight number: "
                        + self.clean(c.consignment.transport),
                    ),
                    _P("text", f"Port of discharge: {self.clean(c.consignment.port_of_discharge)}"),
                ],
            ),
        ]
        official = self.prepare(
            _RIGHT_WIDTH,
            [
                _P("label", "5. For official use"),
                _P("text", "☐ Preferential tariff treatment given under RCEP"),
                _P("text", "☐ Preferential tariff treatment not given (please state reasons)"),
                8.0,
                _P(
                    "small",
                    "Signature of authorised signatory of the customs authority of the importing Party",
                ),
            ],
        )
        # The QR code is drawn in the space this box keeps free under its label.
        verification = self.prepare(
            _RIGHT_WIDTH,
            [
                _P("label", "Electronic verification"),
                _QR_SIZE + 1.0,
                _P("small", verification_url, max_lines=12),
                _P("small", VERIFY_SENTENCE),
            ],
        )
        top = self.get_y()
        right = [official, verification]
        total = max(sum(h for _, h in left), sum(h for _, h in right))
        self.column(_MARGIN, top, _LEFT_WIDTH, left, total)
        self.column(_MARGIN + _LEFT_WIDTH, top, _RIGHT_WIDTH, right, total)
        self.style("label")
        self.image(
            _qr_svg(verification_url),
            x=_MARGIN + _LEFT_WIDTH + (_RIGHT_WIDTH - _QR_SIZE) / 2,
            y=top + official[1] + _PAD + self.font_size * 1.25 + 0.5,
            w=_QR_SIZE,
            h=_QR_SIZE,
        )
        self.set_xy(_MARGIN, top + total)

    def organisation(self, org: Organisation) -> list[_Block]:
        blocks: list[_Block] = [
            _P("strong", self.clean(org.name)),
            _P("text", self.clean(org.address, multiline=True), max_lines=6),
            _P("text", _country(org.country)),
        ]
        if org.identifier:
            blocks.append(_P("small", f"Identifier: {self.clean(org.identifier)}", max_lines=2))
        return blocks

    def draw_goods(self) -> None:
        """Boxes 6 to 13: one row per good; the table breaks across pages, its headings repeated
        on each. Every cell's text is fitted to its column first (``fit``), so a row is drawn
        line by line: fpdf2's table would run its line breaker over every cell twice."""
        headings = [_heading_lines(self, text, width) for text, width, _ in _COLUMNS]
        rows = [self.goods_row(item) for item in self.certificate.goods]
        self.draw_goods_row(headings, heading=True, before=rows[0] if rows else None)
        for cells in rows:
            if self.get_y() + _row_height(cells) > self.page_break_trigger:
                self.add_page()
                self.draw_goods_row(headings, heading=True)
            self.draw_goods_row(cells)

    def draw_goods_row(
        self,
        cells: list[list[str]],
        *,
        heading: bool = False,
        before: list[list[str]] | None = None,
    ) -> None:
        """One row of the goods table at the current position; a heading row is not left alone
        at the foot of a page (``before``: the row that must follow it)."""
        height = _row_height(cells)
        if before is not None and self.get_y() + height + _row_height(before) > (
            self.page_break_trigger
        ):
            self.add_page()
        x, y = _MARGIN, self.get_y()
        self.style("heading" if heading else "cell")
        if heading:
            self.set_fill_color(235)
        for lines, (_, width, _), align in zip(cells, _COLUMNS, _ALIGNS, strict=True):
            self.rect(x, y, width, height, style="DF" if heading else "D")
            for number, line in enumerate(lines):
                self.set_xy(x, y + _CELL_PAD + number * _CELL_LINE_HEIGHT)
                self.cell(width, _CELL_LINE_HEIGHT, line, align=Align.L if heading else align)
            x += width
        self.set_xy(_MARGIN, y + height)

    def goods_row(self, item: GoodsItem) -> list[list[str]]:
        quantity = f"{_number(item.quantity.value)} {self.clean(item.quantity.unit)}"
        if item.fob_value is not None:  # Annex 3B(k): only where RVC is applied
            quantity += (
                f"\nFOB {item.fob_value.currency} {_number(item.fob_value.amount, min_places=2)}"
            )
        criterion: str = item.origin_criterion
        if item.flags:  # ACU (accumulation, Art. 3.4), DMI (de minimis, Art. 3.7)
            criterion += "\n" + " ".join(item.flags)
        country = item.rcep_country_of_origin
        marks = item.marks_and_packages
        texts = [
            str(item.item_number),
            self.clean(marks, multiline=True) if marks else "—",
            self.clean(item.description, multiline=True),
            item.hs_code,
            criterion,
            f"{country}\n{_country_name(country)}",
            quantity,
            f"{self.clean(item.invoice.number)}\n{_day(item.invoice.date)}",
        ]
        return [
            self.fit("cell", text, width, max_lines)
            for text, (_, width, max_lines) in zip(texts, _COLUMNS, strict=True)
        ]

    def draw_indicators(self) -> None:
        c = self.certificate
        b2b = c.back_to_back
        third = c.third_party_invoicing
        blocks: list[_Block] = [
            _P("label", "Indicators"),
            _P("text", f"{_tick(b2b is not None)} Back-to-back Certificate of Origin"),
        ]
        if b2b is not None:
            code = b2b.approved_exporter_code
            blocks.append(
                _P(
                    "small",
                    f"Original proof of origin {self.clean(b2b.original_reference)} of "
                    f"{_day(b2b.original_issue_date)}; RCEP country of origin of the first "
                    f"exporting Party: {_country(b2b.original_rcep_country_of_origin)}"
                    + (f"; approved exporter code {self.clean(code)}" if code else ""),
                )
            )
        blocks.append(_P("text", f"{_tick(third is not None)} Third-party invoicing"))
        if third is not None:
            blocks.append(
                _P(
                    "small",
                    f"Invoicing operator: {self.clean(third.operator_name)}, "
                    f"{_country(third.operator_country)}",
                )
            )
        blocks.append(_P("text", f"{_tick(c.retroactive)} Issued retroactively"))
        self.full_width_box(blocks)

    def draw_remarks(self) -> None:
        remarks = self.certificate.remarks
        text = self.clean(remarks, multiline=True) if remarks else "—"
        self.full_width_box([_P("label", "14. Remarks"), _P("text", text, max_lines=25)])

    def draw_declaration_and_certification(self) -> None:
        """Boxes 15 and 16 side by side, never split across pages."""
        c = self.certificate
        half = _WIDTH / 2
        declaration = self.prepare(
            half,
            [
                _P("label", "15. Declaration by the exporter"),
                _P("text", self.clean(c.exporter_declaration, multiline=True), max_lines=25),
                1.5,
                _P("text", f"Exporting Party: {_country(c.exporting_party)}"),
                _P("text", f"Importing Party: {_country(c.importing_party)}"),
                _P("strong", self.clean(c.exporter.name)),
                _P("small", "Declared by the exporter in the application for this certificate."),
            ],
        )
        certification = self.prepare(
            half,
            [
                _P("label", "16. Certification"),
                _P("text", CERTIFICATION_TEXT, max_lines=6),
                1.5,
                _P("strong", self.clean(c.issuing_body.name)),
                _P("small", f"Issuing body: {self.clean(c.issuing_body.id)}"),
                _P(
                    "text",
                    f"Signatory: {self.clean(c.signatory.name)}, {self.clean(c.signatory.position)}",
                    max_lines=4,
                ),
                _P(
                    "text",
                    f"Place and date of issue: {self.clean(c.place_of_issue)}, {_day(c.issue_date)}",
                ),
                _P("strong", f"Valid until: {_day(c.valid_until)}"),
                _P(
                    "small",
                    f"Valid for one year from issue ({VALIDITY_ARTICLE}). Signed electronically: "
                    "the issuing body's signature is on the embedded certificate.",
                ),
            ],
        )
        height = max(declaration[1], certification[1])
        self.ensure_room(height)
        y = self.get_y()
        self.box(_MARGIN, y, half, height, declaration[0])
        self.box(_MARGIN + half, y, half, height, certification[0])
        self.set_xy(_MARGIN, y + height)


def _qr_svg(url: str) -> io.BytesIO:
    """A QR code (error correction level M) of the verification URL, as vector SVG."""
    svg = io.BytesIO()
    segno.make_qr(url, error="m", boost_error=False).save(
        svg, kind="svg", border=4, xmldecl=False, omitsize=True
    )
    svg.seek(0)
    return svg


def _tick(on: bool) -> str:
    return "☒" if on else "☐"


def _day(day: date) -> str:
    return day.isoformat()


def _number(value: Decimal, *, min_places: int = 0) -> str:
    """``value`` with thousands separators and at least ``min_places`` decimals, never rounded;
    in scientific notation if absurdly large or small."""
    if not -24 <= value.adjusted() <= 24:
        return str(value)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -min_places:
        value = value.quantize(Decimal(1).scaleb(-min_places), context=Context(prec=60))
    return f"{value:,f}"


def _country_name(code: str) -> str:
    party = parties().get(code)
    if party is not None:
        return party.name
    country = pycountry.countries.get(alpha_2=code)
    return str(country.name) if country is not None else code


def _country(code: str) -> str:
    return f"{_country_name(code)} ({code})"


# ---------------------------------------------------------------------------------------------
# Reading back


def extract_credential(pdf: bytes) -> bytes:
    """The signed JSON credential embedded in a certificate PDF, byte for byte."""
    content = _attachment(pdf, ATTACHMENT_NAME)
    if content is None:
        raise PdfFormError(
            f"the PDF carries no embedded electronic certificate (attachment {ATTACHMENT_NAME!r}): "
            "it is not an electronic RCEP certificate of origin, or the attachment was removed"
        )
    return content


def extract_jwt(pdf: bytes) -> str | None:
    """The JWT form of the credential embedded in a certificate PDF, or None if it has none."""
    content = _attachment(pdf, JWT_ATTACHMENT_NAME)
    if content is None:
        return None
    try:
        text = content.decode("ascii").strip()
    except UnicodeDecodeError:
        raise PdfFormError(f"the attachment {JWT_ATTACHMENT_NAME!r} is not ASCII text") from None
    if not _COMPACT_JWS.fullmatch(text):
        raise PdfFormError(f"the attachment {JWT_ATTACHMENT_NAME!r} is not a compact JWS")
    return text


# Decompression limits for reading a PDF: a little above the largest attachment accepted, so a
# compression bomb stops early instead of filling memory.
_READ_LIMITS = {
    "zlib_maximum_output_length": MAX_ATTACHMENT_BYTES + 1,
    "lzw_maximum_output_length": MAX_ATTACHMENT_BYTES + 1,
    "run_length_maximum_output_length": MAX_ATTACHMENT_BYTES + 1,
    "brotli_maximum_output_length": MAX_ATTACHMENT_BYTES + 1,
    "jbig2_maximum_output_length": MAX_ATTACHMENT_BYTES + 1,
    "zlib_maximum_recovery_input_length": MAX_ATTACHMENT_BYTES,
    "stream_decoding_work_maximum_length": 8 * MAX_ATTACHMENT_BYTES,
    "jbig2dec_binary": None,  # never run an external program on untrusted input
}


def _attachment(pdf: bytes, name: str) -> bytes | None:
    """The one attachment called ``name``, or None; PdfFormError for anything doubtful."""
    if not isinstance(pdf, bytes | bytearray | memoryview):
        raise PdfFormError("a PDF is read from bytes")
    if len(pdf) > MAX_PDF_BYTES:
        raise PdfFormError(
            f"the file is {len(pdf)} bytes; a certificate PDF is at most {MAX_PDF_BYTES} bytes"
        )
    if not bytes(pdf[:1024]).lstrip().startswith(b"%PDF-"):
        raise PdfFormError("the file is not a PDF (it does not start with '%PDF-')")
    limits = get_configuration().with_overwrites(**_READ_LIMITS)
    with _reading(), apply_configuration(limits):
        reader = PdfReader(io.BytesIO(bytes(pdf)), strict=True)
        if reader.is_encrypted:
            raise PdfFormError("the PDF is encrypted; a certificate PDF is not")
        found = [entry for entry in reader.attachment_list if entry.name == name]
        if not found:
            return None
        if len(found) > 1:
            raise PdfFormError(f"the PDF has {len(found)} attachments named {name!r}; expected one")
        declared = found[0].size
        if declared is not None and declared > MAX_ATTACHMENT_BYTES:
            raise PdfFormError(_too_large(name))
        content = found[0].content
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise PdfFormError(_too_large(name))
    return content


def _too_large(name: str) -> str:
    return f"the attachment {name!r} is larger than {MAX_ATTACHMENT_BYTES} bytes"


@contextmanager
def _reading() -> Iterator[None]:
    """Turn any failure of the PDF parser into a PdfFormError, without its traceback."""
    try:
        yield
    except PdfFormError:
        raise
    except Exception as exc:  # a hostile file can make the parser fail in any way
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        if "limit" in reason.lower():
            raise PdfFormError(
                f"the PDF holds a compressed part larger than {MAX_ATTACHMENT_BYTES} bytes "
                f"uncompressed ({reason})"
            ) from None
        raise PdfFormError(f"the file cannot be read as a PDF: {reason}") from None
