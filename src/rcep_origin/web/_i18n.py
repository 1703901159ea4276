"""The pages' language: English or Simplified Chinese.

English is the source: message ids are the English texts. The Chinese catalogue is a gettext
``.po`` file (``locale/zh_Hans/LC_MESSAGES/console.po``) that translators edit as text; it is
compiled in memory with Babel the first time Chinese is asked for, as pre-review does, so there
is no binary ``.mo`` to forget to rebuild. A message missing from the catalogue shows in
English (``tests/test_console.py`` checks that none is missing).

A page's language is, in order: ``?lang=en|zh`` (which the language switch on every page sets,
and a cookie remembers), the ``rcep_lang`` cookie, then the browser's ``Accept-Language``.
"""

from __future__ import annotations

import gettext as _gettext
from functools import cache
from importlib import resources
from io import BytesIO
from typing import Literal

from jinja2 import Environment, PackageLoader, select_autoescape

Lang = Literal["en", "zh"]
LANGS: tuple[Lang, ...] = ("en", "zh")
COOKIE = "rcep_lang"
DOMAIN = "console"
HTML_LANG = {"en": "en", "zh": "zh-Hans"}

# The RCEP Parties' names as a Chinese reader knows them (the English names come from
# ``rcep_origin.parties``).
PARTY_NAMES_ZH = {
    "BN": "文莱",
    "KH": "柬埔寨",
    "ID": "印度尼西亚",
    "LA": "老挝",
    "MY": "马来西亚",
    "MM": "缅甸",
    "PH": "菲律宾",
    "SG": "新加坡",
    "TH": "泰国",
    "VN": "越南",
    "AU": "澳大利亚",
    "CN": "中国",
    "JP": "日本",
    "KR": "韩国",
    "NZ": "新西兰",
}


# The words for states and outcomes the pages show as badges.
LABELS = {
    "originating": "Originating",
    "not_originating": "Not originating",
    "undecidable": "Cannot decide",
    "pass": "Pass",
    "warn": "Warn",
    "reject": "Reject",
    "info": "Info",
    "submitted": "Submitted",
    "issued": "Issued",
    "refused": "Refused",
    "active": "Active",
    "suspended": "Suspended",
    "revoked": "Revoked",
    "proposed": "Proposed",
    "approved": "Approved",
    "rejected": "Rejected",
    "removed": "Removed",
    "all": "All",
}


def _tag(value: str | None) -> Lang | None:
    if not value:
        return None
    primary = value.strip().replace("_", "-").split("-")[0].lower()
    if primary == "zh":
        return "zh"
    if primary == "en":
        return "en"
    return None


def resolve(query: str | None, cookie: str | None, accept_language: str | None) -> Lang:
    """The language of a page: the query, the cookie, then the first language of
    ``Accept-Language`` (by weight) that has a catalogue; English otherwise."""
    for chosen in (_tag(query), _tag(cookie)):
        if chosen is not None:
            return chosen
    offered: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.partition(";")
        weight = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        offered.append((-weight, position, tag))
    for weight, _position, tag in sorted(offered):
        chosen = _tag(tag)
        if chosen is not None and weight < 0:
            return chosen
    return "en"


def catalogue_path() -> resources.abc.Traversable:
    return resources.files("rcep_origin.web").joinpath(
        "locale", "zh_Hans", "LC_MESSAGES", f"{DOMAIN}.po"
    )


@cache
def translations(lang: Lang) -> _gettext.NullTranslations:
    if lang == "en":
        return _gettext.NullTranslations()
    # Babel is imported on first use only: the service starts without it.
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with catalogue_path().open("rb") as handle:
        catalog = read_po(handle, locale="zh_Hans", domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return _gettext.GNUTranslations(compiled)


def text(lang: Lang, message: str, **values: object) -> str:
    """``message`` in ``lang``, with ``{name}`` placeholders filled in."""
    translated = translations(lang).gettext(message)
    return translated.format(**values) if values else translated


def party_name(lang: Lang, code: str) -> str:
    if lang == "zh":
        return PARTY_NAMES_ZH.get(code, code)
    from rcep_origin.parties import parties

    found = parties().get(code)
    return code if found is None else found.name


@cache
def environment(lang: Lang) -> Environment:
    """The templates with ``_()`` speaking ``lang`` (one environment per language, so a
    compiled template is shared by every request in that language)."""
    env = Environment(
        loader=PackageLoader("rcep_origin.web", "templates"),
        autoescape=select_autoescape(["html", "svg"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(lang), newstyle=False)  # type: ignore[attr-defined]
    env.globals["lang"] = lang
    env.globals["html_lang"] = HTML_LANG[lang]
    env.globals["party"] = lambda code: party_name(lang, code)
    env.globals["label"] = lambda value: text(lang, LABELS.get(str(value), str(value)))
    return env
