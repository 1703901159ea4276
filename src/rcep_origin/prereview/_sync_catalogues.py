"""Keep the ``.po`` catalogues in line with the message ids in ``catalogue.py``.

    python -m rcep_origin.prereview._sync_catalogues

adds new ids (untranslated in ``zh_Hans``; English ids are their own English text), drops the ones
no longer used and keeps every translation. A test fails while an id lacks a translation.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from rcep_origin.prereview._i18n import DOMAIN, LOCALES, catalogue_path
from rcep_origin.prereview.catalogue import message_ids

_HEADER = """\
# Messages of rcep-origin's pre-review ({language}).
# Edit the msgstr lines; run `python -m rcep_origin.prereview._sync_catalogues` after changing
# messages in rcep_origin/prereview/catalogue.py. Compiled in memory when first used.
#"""
_LANGUAGES = {"en": "English", "zh_Hans": "Simplified Chinese"}


def sync_catalogues() -> None:
    """Bring every ``.po`` file in line with the message ids of ``catalogue``: add the new ids
    (untranslated), drop the ones no longer used, keep every translation. English ids are their
    own English text, so ``en`` gets each id as its translation."""
    ids = message_ids()
    for locale in LOCALES:
        path = Path(str(catalogue_path(locale)))
        old: dict[str, str] = {}
        if path.exists():
            with path.open("rb") as handle:
                for message in read_po(handle, locale=locale, domain=DOMAIN):
                    if message.id and isinstance(message.id, str):
                        old[message.id] = str(message.string or "")
        catalog = Catalog(
            locale=locale,
            domain=DOMAIN,
            project="rcep-origin",
            header_comment=_HEADER.format(language=_LANGUAGES[locale]),
            msgid_bugs_address="",
            copyright_holder="rcep-origin contributors",
            charset="utf-8",
            fuzzy=False,
        )
        for message_id in ids:
            string = old.get(message_id, "") or (message_id if locale == "en" else "")
            flags = ["python-brace-format"] if "{" in message_id else []
            catalog.add(message_id, string, flags=flags)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, omit_header=False, sort_output=False)


if __name__ == "__main__":
    sync_catalogues()
