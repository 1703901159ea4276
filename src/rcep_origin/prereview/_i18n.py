"""Messages in the reader's language.

The catalogues are gettext ``.po`` files under ``locale/<locale>/LC_MESSAGES/prereview.po``
(English and Simplified Chinese), edited by translators as text. They are compiled in memory
with Babel (imported only then) the first time a language is used (a few milliseconds, once per
process), so there is no binary ``.mo`` file to forget to rebuild. An unknown language falls back
to English; a message missing from a catalogue falls back to its English id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from io import BytesIO
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from babel.support import Translations

DOMAIN = "prereview"
LOCALES = ("en", "zh_Hans")
_SEPARATORS = {"en": ", ", "zh_Hans": "、"}


def resolve_locale(lang: str | None) -> str:
    """``"zh"``, ``"zh_CN.UTF-8"``, ``"zh-Hans"`` give ``zh_Hans``; anything else (``"en_US"``,
    ``"C"``, ``"fr"``, empty) gives ``en``. Traditional-script tags (``zh_TW``, ``zh-Hant``)
    also get the Simplified catalogue, the only Chinese one there is."""
    if not lang:
        return "en"
    tag = lang.split(".")[0].split("@")[0].replace("-", "_").strip()
    primary = tag.split("_")[0].lower()
    return "zh_Hans" if primary == "zh" else "en"


def catalogue_path(locale: str) -> Any:
    return resources.files("rcep_origin.prereview").joinpath(
        "locale", locale, "LC_MESSAGES", f"{DOMAIN}.po"
    )


@cache
def translations(locale: str) -> Translations:
    # Babel is imported here, on first use: ``import rcep_origin`` (and so the engine) imports
    # pre-review, and need not pay for Babel until a message is put into words.
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations

    source = catalogue_path(locale)
    with source.open("rb") as handle:
        catalog = read_po(handle, locale=locale, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled, domain=DOMAIN)


class Word(str):
    """A word inserted in a message that is itself translated (``catalogue.WORDS``)."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Phrase:
    """A small message of its own, inserted in a larger one (``catalogue.PHRASES``)."""

    message_id: str
    params: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Titled:
    """An HS code with its nomenclature title in each language, shown with the title of the
    reader's language ("8458.11 “Lathes; for removing metal, ...”", "8458.11“数控卧式车床”")."""

    code: str
    title_en: str | None
    title_zh: str | None


class Localizer:
    """Translates a message id and fills in its values."""

    def __init__(self, lang: str | None) -> None:
        self.locale = resolve_locale(lang)
        self._translations = translations(self.locale)
        self.separator = _SEPARATORS[self.locale]
        # Between two sentences: a space in English, nothing after a Chinese full stop.
        self.sentence_gap = "" if self.locale == "zh_Hans" else " "

    def text(self, message_id: str) -> str:
        return str(self._translations.gettext(message_id))

    def join(self, items: Iterable[Any]) -> str:
        parts = [self.value(item) for item in items]
        return self.separator.join(parts) if parts else self.text("none")

    def value(self, item: Any) -> str:
        if item is None:
            return self.text("none")
        if isinstance(item, Word):
            return self.text(str(item))
        if isinstance(item, Phrase):
            return self.format(item.message_id, item.params)
        if isinstance(item, Titled):
            chinese = self.locale == "zh_Hans"
            title = (item.title_zh or item.title_en) if chinese else item.title_en
            if not title:
                return item.code
            return f"{item.code}“{title}”" if chinese else f"{item.code} “{title}”"
        if isinstance(item, Decimal):
            return format(item, "f")
        if isinstance(item, date):
            return item.isoformat()
        if isinstance(item, list | tuple):
            return self.join(item)
        return str(item)

    def format(self, message_id: str, params: Mapping[str, Any]) -> str:
        return self.text(message_id).format_map({k: self.value(v) for k, v in params.items()})
