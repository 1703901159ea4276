"""Words, phrases and report texts the pre-review messages share (gettext message ids; the
translations live in ``locale/``)."""

from __future__ import annotations

# Words the messages insert, translated like the messages.
WORDS = {
    "none": "none",
    "open-ended": "open-ended",
    "originating": "originating",
    "not originating": "not originating",
    "undecidable": "undecidable",
    "non-originating": "non-originating",
    "undetermined": "undetermined",
    "build-down": "build-down",
    "build-up": "build-up",
    "the FOB value": "the FOB value",
    "the good's weight": "the good's weight",
    "production log": "production log",
    "firmware log": "firmware log",
}

# The Parties' names as ``data/parties.csv`` gives them, translated for messages.
PARTY_NAMES = (
    "Australia",
    "Brunei Darussalam",
    "Cambodia",
    "China",
    "Indonesia",
    "Japan",
    "Korea",
    "Lao PDR",
    "Malaysia",
    "Myanmar",
    "New Zealand",
    "Philippines",
    "Singapore",
    "Thailand",
    "Viet Nam",
)

# Small messages inserted in larger ones.
ORIGIN_PHRASE = "{party} ({status})"

# Sentences appended to a message or fix in some cases.
NEAREST = "Nearest valid codes: {codes}."
RELIED = "The verdict depends on them: counted as undetermined, the good would be “{outcome}”."
RELIED_COUNTRY = (
    "The verdict depends on them: counted as undetermined, the good's RCEP country of origin "
    "would be {country} instead of {declared}."
)

# The words of the command line's report.
REPORT = {
    "title": "Pre-review: {verdict}",
    "engine": "Engine: {summary}",
    "counts": "{reject} to fix, {warn} to check, {info} for information",
    "pass": "pass",
    "warn": "warn",
    "reject": "reject",
    "info": "info",
    "no findings": "No findings.",
}
