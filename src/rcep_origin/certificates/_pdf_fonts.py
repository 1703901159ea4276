"""Fonts for the certificate PDF: every RCEP script, each font parsed once per process and
subset per document.

* Latin (with every diacritic: Vietnamese, Malay, Indonesian, Filipino), Greek, Cyrillic, the
  form's dashes and ballot boxes: DejaVu Sans Condensed, shipped in ``fonts/``.
* Chinese, Japanese, Korean, Thai, Lao, Khmer, Myanmar, Tamil (Singapore) and Jawi (Arabic
  script, Brunei and Malaysia): Noto, from the Debian packages ``fonts-noto-cjk`` and
  ``fonts-noto-core`` (``make`` and CI install them), found in the system font folders or in
  those ``RCEP_ORIGIN_FONT_DIRS`` names. A script whose font is not installed prints as U+FFFD,
  as it did before, and the page says so.

Why not fpdf2's ``add_font``: it parses the whole font file for every document (for DejaVu
some 80 ms a document, for Noto CJK over a second), and its subsetter decompiles the whole
font again when the document is written. Here a font is parsed once (``FontTemplate``); a
document gets a copy with its own glyph subset (``for_document``), and, before it is written,
the compact font holding just the glyphs it used (``prepare_output``), made once per distinct
set of glyphs and kept. fpdf2 then subsets that compact font, which costs little. The bytes
written depend only on the glyphs a document uses, never on what was rendered before.
"""

from __future__ import annotations

import copy
import importlib
import io
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from fontTools import subset as ftsubset  # type: ignore[import-untyped]
from fontTools import ttLib
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

FONT_DIRS_VARIABLE = "RCEP_ORIGIN_FONT_DIRS"
SYSTEM_FONT_DIRS = ("/usr/share/fonts/truetype/noto", "/usr/share/fonts/opentype/noto")
STYLES = ("", "B")  # regular and bold: every family has both


@dataclass(frozen=True, slots=True)
class Family:
    """One typeface in regular and bold. ``shaping``: its script needs a shaping engine
    (reordering, stacking marks), turned on only for documents that use it."""

    name: str  # the fpdf2 family name
    files: tuple[str, str]  # regular, bold
    face: int = 0  # the face in a font collection (.ttc)
    shaping: bool = False
    shipped: bool = False  # in this package's fonts/ (else a system font)


PRIMARY = Family(
    "dejavucond", ("DejaVuSansCondensed.ttf", "DejaVuSansCondensed-Bold.ttf"), shipped=True
)
# The primary fonts' common ground: Latin (every European and Vietnamese letter), Greek,
# Cyrillic, punctuation, currency and letter-like signs, the ballot boxes. A document whose
# characters all lie here is written from one compact font of all of them (made once per
# process), not from one made for its own characters: most certificates share it.
COMMON_RANGES = (
    (0x20, 0x7E),
    (0xA0, 0x24F),
    (0x300, 0x36F),
    (0x370, 0x3FF),
    (0x400, 0x4FF),
    (0x1E00, 0x1EFF),
    (0x2000, 0x206F),
    (0x20A0, 0x20CF),
    (0x2100, 0x214F),
    (0x2610, 0x2612),
    (0xFFFD, 0xFFFD),
)
# In the order fpdf2 tries them for a character the primary font lacks. CJK comes last: it
# also covers Latin, Greek and Cyrillic, which the fonts before it must win.
FALLBACKS = (
    Family("notothai", ("NotoSansThai-Regular.ttf", "NotoSansThai-Bold.ttf"), shaping=True),
    Family("notolao", ("NotoSansLao-Regular.ttf", "NotoSansLao-Bold.ttf"), shaping=True),
    Family("notokhmer", ("NotoSansKhmer-Regular.ttf", "NotoSansKhmer-Bold.ttf"), shaping=True),
    Family(
        "notomyanmar", ("NotoSansMyanmar-Regular.ttf", "NotoSansMyanmar-Bold.ttf"), shaping=True
    ),
    Family("nototamil", ("NotoSansTamil-Regular.ttf", "NotoSansTamil-Bold.ttf"), shaping=True),
    Family("notoarabic", ("NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf"), shaping=True),
)
# Han characters are drawn as the issuing Party writes them (the faces of Noto Sans CJK).
CJK_FACES = {"JP": 0, "KR": 1}
CJK_SIMPLIFIED = 2
CJK_FILES = ("NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc")


def cjk_family(party: str) -> Family:
    face = CJK_FACES.get(party, CJK_SIMPLIFIED)
    return Family(f"notocjk{face}", CJK_FILES, face=face)


def font_dirs() -> list[Path]:
    extra = os.environ.get(FONT_DIRS_VARIABLE, "")
    return [Path(d) for d in extra.split(os.pathsep) if d] + [Path(d) for d in SYSTEM_FONT_DIRS]


@cache
def _shipped_dir() -> Path:
    return Path(str(resources.files("rcep_origin.certificates").joinpath("fonts")))


def font_path(family: Family, style: str, dirs: tuple[Path, ...]) -> Path | None:
    name = family.files[STYLES.index(style)]
    if family.shipped:
        return _shipped_dir() / name
    for directory in dirs:
        if (directory / name).is_file():
            return directory / name
    return None


class _Font(TTFFont):
    """fpdf2's font, with text widths remembered for one document: its line breaker asks for
    the width of a line again each time it adds a character (quadratic in the line's length);
    here the width of "text" is that of "tex" (asked just before) plus one glyph. The sums are
    of integer font units, so the widths are exactly fpdf2's."""

    __slots__ = ("widths",)
    widths: dict[str, float]  # integer font units

    def get_text_width(
        self, text: str, font_size_pt: float, text_shaping_params: dict[str, Any] | None
    ) -> tuple[int, float]:
        if text_shaping_params or self.is_symbol:
            return super().get_text_width(text, font_size_pt, text_shaping_params)
        if font_size_pt > self.biggest_size_pt:
            self.biggest_size_pt = font_size_pt
        widths = self.widths
        found = widths.get(text)
        if found is None:
            cw = self.cw
            before = widths.get(text[:-1]) if len(text) > 1 else None
            found = sum(cw[ord(c)] for c in text) if before is None else before + cw[ord(text[-1])]
            widths[text] = found
        return len(text), found * font_size_pt * 0.001


class FontTemplate:
    """A font file parsed once: its metrics, character map and glyph widths, shared by every
    document; and the compact fonts made for the glyph sets documents used."""

    MAX_SUBSETS = 256

    def __init__(self, path: Path, face: int, style: str, *, common: bool = False) -> None:
        self.path = path
        self.face = face
        self.compacts = _Lru(self.MAX_SUBSETS)  # glyph names -> the compact font's bytes
        self.finals = _Lru(self.MAX_SUBSETS)  # (glyph names, fpdf2's options) -> _Final
        # fpdf2 reads the font once more for the width table; a scratch document hosts it.
        self.font = _Font(FPDF(), path, "template", style, None, None, None, face)
        # What shaping asks of the font while a document is laid out: glyph names and widths.
        self.names = _GlyphNames(self.font.ttfont.getGlyphOrder(), self.font.ttfont["hmtx"].metrics)
        self.font.ttfont.close()
        self.font.ttfont = self.names  # until a document is written: prepare_output
        self.glyphs = frozenset(self.font.cmap)
        self.common: frozenset[str] | None = None
        if common:
            cmap = self.font.cmap
            self.common = frozenset(
                {".notdef"}
                | {
                    cmap[c]
                    for low, high in COMMON_RANGES
                    for c in range(low, high + 1)
                    if c in cmap
                }
            )

    def for_document(self, pdf: FPDF, fontkey: str) -> TTFFont:
        """A copy for one document: the parsed metrics shared, the subset its own."""
        font: _Font = copy.copy(self.font)
        font.i = len(pdf.fonts) + 1
        font.fontkey = fontkey
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font.color_font = None
        font.subset = SubsetMap(font)
        font.widths = {}
        return font

    def prepare_output(self, font: TTFFont) -> None:
        """Give ``font`` (a copy of this template) the compact font of the glyphs it used."""
        glyphs = frozenset(font.subset.get_all_glyph_names())
        if self.common is not None and glyphs <= self.common:
            glyphs = self.common  # a function of the glyphs used only: never of history
        data = self.compacts.get(glyphs)
        if data is None:
            data = self._compact(glyphs)
            self.compacts.put(glyphs, data)
        font.ttfont = _CompactFont(data, self)

    def _compact(self, glyphs: Iterable[str]) -> bytes:
        """The font cut down to ``glyphs`` (and what they need), keeping the glyph names that
        fpdf2 looks the glyphs up by."""
        font = ttLib.TTFont(self.path, recalcTimestamp=False, lazy=True, fontNumber=self.face)
        options = ftsubset.Options(notdef_outline=True, recommended_glyphs=True)
        options.glyph_names = True
        options.notdef_glyph = True
        # Layout tables are used before writing (shaping), never by the PDF: as fpdf2 does.
        options.drop_tables += ["FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta"]
        options.drop_tables += ["sbix", "CBDT", "CBLC", "EBDT", "EBLC", "EBSC", "SVG "]
        options.drop_tables += ["CPAL", "COLR"]
        subsetter = ftsubset.Subsetter(options)
        subsetter.populate(glyphs=sorted(glyphs))
        subsetter.subset(font)
        out = io.BytesIO()
        font.save(out)
        font.close()
        return out.getvalue()


class _CompactFont(ttLib.TTFont):  # type: ignore[misc]
    """The compact font a document's font is written from. fpdf2 subsets it once more (to the
    glyphs used, with its own options), saves it, and looks glyphs up in it; the outcome of that
    is kept per glyph set, so the next document using the same glyphs gets it without fontTools
    (``_FpdfSubsetter``). A glyph set never seen is subset for real, as fpdf2 would."""

    def __init__(self, data: bytes, template: FontTemplate) -> None:
        super().__init__(io.BytesIO(data), recalcTimestamp=False, recalcBBoxes=False)
        self._template = template
        self._final: _Final | None = None

    def subset_as_fpdf(self, glyphs: Iterable[str], options: Any) -> None:
        wanted = frozenset(glyphs)
        key = (wanted, repr(sorted(vars(options).items())))
        final = self._template.finals.get(key)
        if final is None:
            subsetter = ftsubset.Subsetter(options)
            subsetter.populate(glyphs=sorted(wanted))
            subsetter.subset(self)
            out = io.BytesIO()
            super().save(out)
            cff = (
                super().__getitem__("CFF ").compile(self) if super().__contains__("CFF ") else None
            )
            ids = {name: super(_CompactFont, self).getGlyphID(name) for name in wanted}
            final = _Final(out.getvalue(), ids, cff)
            self._template.finals.put(key, final)
        self._final = final

    def getGlyphID(self, glyphName: str) -> int:
        if self._final is not None:
            return self._final.ids[glyphName]
        return int(super().getGlyphID(glyphName))

    def save(self, file: Any, reorderTables: bool | None = True) -> None:
        if self._final is None:
            super().save(file, reorderTables=reorderTables)
        else:
            file.write(self._final.data)

    def __contains__(self, tag: object) -> bool:
        if self._final is not None and tag == "CFF ":
            return self._final.cff is not None
        return bool(super().__contains__(tag))

    def __getitem__(self, tag: str) -> Any:
        if self._final is not None and tag == "CFF ":
            return _Compiled(self._final.cff or b"")
        return super().__getitem__(tag)


@dataclass(frozen=True, slots=True)
class _Final:
    """What fpdf2 takes from a font it subset: the font file, glyph ids, the CFF table."""

    data: bytes
    ids: dict[str, int]
    cff: bytes | None


@dataclass(frozen=True, slots=True)
class _Compiled:
    data: bytes

    def compile(self, font: Any) -> bytes:
        return self.data


class _FpdfSubsetter:
    """fpdf2's ``ftsubset.Subsetter`` (installed in ``fpdf.output``): a ``_CompactFont`` is
    subset through its cache, any other font by fontTools as before."""

    def __init__(self, options: Any = None) -> None:
        self._options = options
        self._glyphs: Iterable[str] = ()
        self._more: dict[str, Any] = {}

    def populate(self, glyphs: Iterable[str] = (), **more: Any) -> None:
        self._glyphs, self._more = glyphs, more

    def subset(self, font: Any) -> None:
        if isinstance(font, _CompactFont) and not self._more:
            font.subset_as_fpdf(self._glyphs, self._options)
            return
        real = ftsubset.Subsetter(self._options)
        real.populate(glyphs=self._glyphs, **self._more)
        real.subset(font)


class _FpdfSubsetModule:
    """``fontTools.subset`` as ``fpdf.output`` sees it, its Subsetter replaced."""

    Subsetter = _FpdfSubsetter

    def __getattr__(self, name: str) -> Any:
        return getattr(ftsubset, name)


def _install() -> None:
    output: Any = importlib.import_module("fpdf.output")
    if getattr(output, "ftsubset", None) is ftsubset:  # as in fpdf2 2.8; else leave it be
        output.ftsubset = _FpdfSubsetModule()


_install()


class _Lru:
    """A small, thread-safe least-recently-used map."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)


class _GlyphNames:
    """The part of a fontTools font that fpdf2's shaping reads: a glyph's name by id, and the
    horizontal metrics."""

    def __init__(self, order: list[str], metrics: dict[str, tuple[int, int]]) -> None:
        self._order = order
        self._tables = {"hmtx": _Metrics(metrics)}

    def getGlyphName(self, glyph_id: int) -> str:
        return self._order[glyph_id]

    def __getitem__(self, tag: str) -> _Metrics:
        return self._tables[tag]


@dataclass(frozen=True, slots=True)
class _Metrics:
    metrics: dict[str, tuple[int, int]]


_TEMPLATES: dict[tuple[Path, int, str], FontTemplate] = {}
_TEMPLATES_LOCK = threading.Lock()


def template(path: Path, face: int, style: str, *, common: bool = False) -> FontTemplate:
    key = (path, face, style)
    with _TEMPLATES_LOCK:
        found = _TEMPLATES.get(key)
        if found is None:
            found = _TEMPLATES[key] = FontTemplate(path, face, style, common=common)
        return found
