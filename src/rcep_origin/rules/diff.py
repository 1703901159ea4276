"""What changes between two bundles: rows added, removed or changed (PSR rows by edition and
code, Appendix lines by Party and line), Parties, parameters and correlation tables.

    rcep-origin rules diff A B [--json] [--home H]

With ``--home`` the issuing body's stored determinations are re-run under both bundles and those
whose verdict would change are listed (``authority``); this module compares the data only.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from rcep_origin.rules.catalogue import RuleSet


@dataclass(frozen=True)
class RowChange:
    kind: str  # "psr", "appendix", "party", "parameter", "correlation"
    key: str  # e.g. "8458.11 (HS2022)", "CN 39013000", "MM", "de_minimis_value_percent"
    change: str  # "added", "removed", "changed"
    before: str = ""
    after: str = ""

    def to_dict(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "key": self.key,
            "change": self.change,
            "before": self.before,
            "after": self.after,
        }


@dataclass(frozen=True)
class BundleDiff:
    before: str  # version of A
    after: str  # version of B
    changes: tuple[RowChange, ...] = field(default_factory=tuple)

    @property
    def same(self) -> bool:
        return not self.changes

    def to_dict(self) -> dict[str, object]:
        return {
            "before": self.before,
            "after": self.after,
            "changes": [c.to_dict() for c in self.changes],
        }


def _compare(kind: str, a: dict[str, str], b: dict[str, str]) -> list[RowChange]:
    changes = []
    for key in sorted(set(a) | set(b)):
        if key not in b:
            changes.append(RowChange(kind, key, "removed", before=a[key]))
        elif key not in a:
            changes.append(RowChange(kind, key, "added", after=b[key]))
        elif a[key] != b[key]:
            changes.append(RowChange(kind, key, "changed", before=a[key], after=b[key]))
    return changes


def _psr(ruleset: RuleSet) -> dict[str, str]:
    return {f"{e.hs_code} ({e.hs_edition})": f"{e.text} [{e.source}]" for e in ruleset.psr.values()}


def _appendix(ruleset: RuleSet) -> dict[str, str]:
    return {
        f"{party} {e.tariff_line}": f"{e.valid_from or ''}..{e.valid_to or ''} [{e.source}]"
        for party, entries in ruleset.appendix.items()
        for e in entries
    }


def _parties(ruleset: RuleSet) -> dict[str, str]:
    return {
        code: f"in force {p.entry_into_force or 'unknown'}; differentiated "
        f"{'yes' if p.differentiated_schedule else 'no'} [{p.source}]"
        for code, p in ruleset.parties.items()
    }


def _parameters(ruleset: RuleSet) -> dict[str, str]:
    return {
        name: "; ".join(f"{v.start}: {v.value}" for v in p.values) + f" [{p.reference}]"
        for name, p in ruleset.parameters.items()
    }


def _correlations(ruleset: RuleSet) -> dict[str, str]:
    return {
        f"{a} -> {b}": f"{len(t.rows)} links, sha256:"
        f"{hashlib.sha256(chr(10).join(t.rows).encode()).hexdigest()[:16]} [{t.source}]"
        for (a, b), t in ruleset.correlations.items()
    }


def diff_bundles(a: RuleSet, b: RuleSet) -> BundleDiff:
    changes = [
        *_compare("psr", _psr(a), _psr(b)),
        *_compare("appendix", _appendix(a), _appendix(b)),
        *_compare("party", _parties(a), _parties(b)),
        *_compare("parameter", _parameters(a), _parameters(b)),
        *_compare("correlation", _correlations(a), _correlations(b)),
    ]
    return BundleDiff(a.version, b.version, tuple(changes))
