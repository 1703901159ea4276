"""Pre-review speaks English and Simplified Chinese: every message is in both catalogues, with
the same placeholders, and an unknown language falls back to English."""

from __future__ import annotations

import re
import string

import pytest
from babel.messages.pofile import read_po

from prereview.helpers import clean, material, run
from rcep_origin.prereview._i18n import LOCALES, Localizer, catalogue_path, resolve_locale
from rcep_origin.prereview.catalogue import CHECKS, message_ids

HAN = re.compile(r"[\u4e00-\u9fff]")


def catalogue(locale: str) -> dict[str, str]:
    with catalogue_path(locale).open("rb") as handle:
        return {
            str(m.id): str(m.string)
            for m in read_po(handle, locale=locale, domain="prereview")
            if m.id
        }


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated_and_no_translation_is_stale(locale: str) -> None:
    translations = catalogue(locale)
    assert set(translations) == set(message_ids())
    untranslated = [message for message, text in translations.items() if not text.strip()]
    assert untranslated == []


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_the_placeholders_of_their_message(locale: str) -> None:
    for message, text in catalogue(locale).items():
        assert placeholders(text) == placeholders(message), message


def test_the_chinese_catalogue_is_chinese() -> None:
    for message, text in catalogue("zh_Hans").items():
        words = re.sub(r"\{[^}]*\}", "", message)  # placeholders are not words to translate
        if re.search(r"[a-z]{4,}", words):
            assert HAN.search(text), f"not translated into Chinese: {message!r}"


@pytest.mark.parametrize(
    ("lang", "locale"),
    [
        ("zh", "zh_Hans"),
        ("zh_CN.UTF-8", "zh_Hans"),
        ("zh-Hans", "zh_Hans"),
        ("ZH_tw", "zh_Hans"),
        ("en_US.UTF-8", "en"),
        ("fr", "en"),
        ("C", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_languages_resolve_to_a_catalogue_and_unknown_ones_to_english(
    lang: str | None, locale: str
) -> None:
    assert resolve_locale(lang) == locale


def not_originating() -> dict[str, object]:
    data = material(clean(), 0, hs_code="8538.10", value={"amount": "700", "currency": "USD"})
    del data["evidence"]
    return data


def test_findings_read_in_chinese_with_the_same_codes_fields_and_data() -> None:
    english = run(not_originating())
    chinese = run(not_originating(), lang="zh")
    assert chinese.lang == "zh_Hans"
    assert chinese.codes() == english.codes()
    for en, zh in zip(english.findings, chinese.findings, strict=True):
        assert (zh.fields, zh.data, zh.reason, zh.severity) == (
            en.fields,
            en.data,
            en.reason,
            en.severity,
        )
        assert HAN.search(zh.fix), zh.fix
    rvc = chinese.by_code("RVC_FAILS")[0]
    assert rvc.message == "区域价值成分为 30.00%（扣减法），低于 40% 的标准 10.00 个百分点。"
    assert "税则归类改变" in chinese.by_code("CTC_FAILS")[0].message


def test_an_unknown_language_gives_english() -> None:
    assert run(not_originating(), lang="tlh").to_dict() == run(not_originating()).to_dict()


def test_lists_are_joined_the_way_each_language_joins_them() -> None:
    assert Localizer("en").join(["A", "B"]) == "A, B"
    assert Localizer("zh").join(["A", "B"]) == "A、B"
    assert Localizer("zh").join([]) == "无"


def test_every_message_formats_with_its_own_placeholders_in_both_languages() -> None:
    for lang in ("en", "zh"):
        localizer = Localizer(lang)
        for spec in CHECKS.values():
            for text in spec.texts():
                for message in (text.message, text.fix):
                    values = {name: "x" for name in placeholders(message)}
                    assert "{" not in localizer.format(message, values).replace("{from", "")
