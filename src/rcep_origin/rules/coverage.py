"""How much of the nomenclature a bundle decides: for each subheading of an edition, whether the
bundle has its Annex 3A row (directly, or through a correlation to a single HS2012 subheading).

    rcep-origin rules coverage [--json]   ->  {"covered": N, "subheadings": M, "by_chapter": {...}}

A subheading is *covered* when ``RuleSet.resolve`` finds a row for it; coverage says nothing of
whether a good meets the rule. The list of subheadings is the edition's nomenclature
(``rcep_origin.hs.subheadings``); an edition whose list is not known cannot be measured.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rcep_origin.errors import RuleSetError
from rcep_origin.hs import subheadings
from rcep_origin.rules.catalogue import RuleResolutionStatus, RuleSet


@dataclass(frozen=True)
class Coverage:
    ruleset: str
    edition: str
    covered: int
    subheadings: int
    by_chapter: dict[str, tuple[int, int]]  # chapter -> (covered, subheadings)
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def percent(self) -> float:
        return 100.0 * self.covered / self.subheadings if self.subheadings else 0.0

    def to_dict(self) -> dict[str, object]:
        return {
            "ruleset": self.ruleset,
            "edition": self.edition,
            "covered": self.covered,
            "subheadings": self.subheadings,
            "by_status": self.by_status,
            "by_chapter": {
                chapter: {"covered": covered, "subheadings": total}
                for chapter, (covered, total) in sorted(self.by_chapter.items())
            },
        }


def coverage(ruleset: RuleSet, edition: str = "HS2022") -> Coverage:
    codes = subheadings(edition)
    if codes is None:
        raise RuleSetError(f"the subheadings of {edition} are not known here; cannot measure")
    by_chapter: dict[str, list[int]] = {}
    by_status: dict[str, int] = {}
    covered = 0
    for code in codes:
        status = ruleset.resolve(code, edition).status
        by_status[status.value] = by_status.get(status.value, 0) + 1
        counts = by_chapter.setdefault(code.chapter, [0, 0])
        counts[1] += 1
        if status in (RuleResolutionStatus.FOUND, RuleResolutionStatus.CORRELATED):
            covered += 1
            counts[0] += 1
    return Coverage(
        ruleset=ruleset.version,
        edition=edition,
        covered=covered,
        subheadings=len(codes),
        by_chapter={c: (n[0], n[1]) for c, n in by_chapter.items()},
        by_status=dict(sorted(by_status.items())),
    )
