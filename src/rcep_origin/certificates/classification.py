"""How the importing Party's customs sorts a certificate on arrival (issue 20, seed 002's
"automatic classification of certificates of origin"). Nothing here decides origin again: it
reads what the certificate states and looks it up in the importing side's legislation bundle.

For each good:

* its HS chapter (two digits of the 6-digit code the certificate states);
* **Art. 2.6(3)**: whether the good is on the Appendix to the importing Party's Schedule. A good
  listed there takes the exporting Party's rate only if the exporting Party's value content is
  at least the dated threshold (``additional_rule_value_content_percent``, 20 % from
  2022-01-01), which a certificate does not show: customs checks it. Appendix lists name
  national tariff lines and no list in the bundle is complete, so a good is *listed*, *possibly
  listed* (its subheading holds listed lines, or the list is incomplete), *not listed* (a
  complete list does not name it) or the importing Party keeps *no appendix*;
* **Art. 3.5**: for the RVC criterion, the threshold of the Annex 3A rule for its subheading
  (e.g. 40 for "CTH or RVC40"), read from the bundle's row, never assumed; a subheading whose row
  the bundle lacks says so;
* its criterion, flags (ACU, DMI) and RCEP country of origin, as stated.

The certificate's codes are read as HS2022 (the edition issuance declares by default); a code
of another edition reaches its Annex 3A row through the bundle's correlation tables.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from rcep_origin.certificates.model import Certificate
from rcep_origin.errors import RuleSetError
from rcep_origin.hs import parse_hs_code
from rcep_origin.rules import RegionalValueContent, RuleSet

APPENDIX_ARTICLE = "Art. 2.6(3)"
RVC_ARTICLE = "Art. 3.5"
EDITION = "HS2022"
LISTED, POSSIBLY_LISTED, NOT_LISTED, NO_APPENDIX = (
    "listed",
    "possibly listed",
    "not listed",
    "no appendix",
)


@dataclass(frozen=True)
class GoodsClassification:
    item_number: int
    hs_code: str
    chapter: str
    criterion: str
    flags: tuple[str, ...]
    rcep_country_of_origin: str
    appendix: str  # listed, possibly listed, not listed, no appendix
    appendix_reason: str
    appendix_row: str | None  # appendix.csv:line of the listed line
    additional_rule_threshold: str | None  # percent, for a good listed or possibly listed
    rvc_threshold: str | None  # percent, for the RVC criterion, from the Annex 3A row
    rvc_rule: str | None  # the row's rule text
    rvc_row: str | None  # psr.csv:line, or why there is none

    @property
    def flagged(self) -> bool:
        """For the Art. 2.6(3) check: on the Appendix, or possibly so."""
        return self.appendix in (LISTED, POSSIBLY_LISTED)


@dataclass(frozen=True)
class Classification:
    exporting_party: str
    importing_party: str
    hs_chapters: tuple[str, ...]
    appendix_flagged: bool
    rvc: bool
    goods: tuple[GoodsClassification, ...]
    ruleset_version: str

    def to_dict(self) -> dict[str, Any]:
        result = asdict(self)
        result["hs_chapters"] = list(self.hs_chapters)
        result["goods"] = [
            {**asdict(good), "flags": list(good.flags), "flagged": good.flagged}
            for good in self.goods
        ]
        return result


def classify(certificate: Certificate, ruleset: RuleSet, *, on: date) -> Classification:
    """The classification of ``certificate`` for its importing Party on ``on``."""
    goods = tuple(_good(certificate, item, ruleset, on) for item in certificate.goods)
    return Classification(
        exporting_party=certificate.exporting_party,
        importing_party=certificate.importing_party,
        hs_chapters=tuple(sorted({good.chapter for good in goods})),
        appendix_flagged=any(good.flagged for good in goods),
        rvc=any(good.criterion == "RVC" for good in goods),
        goods=goods,
        ruleset_version=ruleset.version,
    )


def _good(certificate: Certificate, item: Any, ruleset: RuleSet, on: date) -> GoodsClassification:
    code = parse_hs_code(item.hs_code, min_level=6)
    appendix, reason, row = _appendix(certificate.importing_party, code, ruleset, on)
    additional = None
    if appendix in (LISTED, POSSIBLY_LISTED):
        try:
            value, _ = ruleset.parameter("additional_rule_value_content_percent", on)
            additional = format(value, "f")
        except RuleSetError:  # the bundle has no value on that date: unknown, said so below
            reason += "; the bundle has no Art. 2.6(3) threshold on this date"
    rvc_threshold = rvc_rule = rvc_row = None
    if item.origin_criterion == "RVC":
        rvc_threshold, rvc_rule, rvc_row = _rvc(code, ruleset)
    return GoodsClassification(
        item_number=item.item_number,
        hs_code=str(item.hs_code),
        chapter=code.digits[:2],
        criterion=item.origin_criterion,
        flags=tuple(item.flags),
        rcep_country_of_origin=item.rcep_country_of_origin,
        appendix=appendix,
        appendix_reason=reason,
        appendix_row=row,
        additional_rule_threshold=additional,
        rvc_threshold=rvc_threshold,
        rvc_rule=rvc_rule,
        rvc_row=rvc_row,
    )


def _appendix(importing: str, code: Any, ruleset: RuleSet, on: date) -> tuple[str, str, str | None]:
    party = ruleset.parties.get(importing)
    if party is not None and not party.differentiated_schedule:
        return NO_APPENDIX, f"{party.name} keeps no tariff differentials (Art. 2.6(1))", None
    lookup = ruleset.appendix_lookup(importing, code, on)
    row = None if lookup.entry is None else f"{lookup.entry.file}:{lookup.entry.line}"
    if lookup.listed is True:
        return LISTED, lookup.reason, row
    if lookup.listed is None:
        return POSSIBLY_LISTED, lookup.reason, row
    return NOT_LISTED, lookup.reason, row


def _rvc(code: Any, ruleset: RuleSet) -> tuple[str | None, str | None, str | None]:
    resolution = ruleset.resolve(code, EDITION)
    entry = resolution.entry
    if entry is None:
        return None, None, f"no Annex 3A row for {code} in the bundle ({resolution.status.value})"
    thresholds = sorted(
        {
            term.threshold
            for alternative in entry.rule.alternatives
            for term in alternative.terms
            if isinstance(term, RegionalValueContent)
        }
    )
    # Several RVC alternatives with different thresholds: the lowest is what the good needed.
    threshold = None if not thresholds else format(thresholds[0], "f")
    return threshold, entry.text, entry.citation
