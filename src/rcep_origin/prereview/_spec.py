"""How a check declares itself, where it is defined: its code, default severity, the article or
rationale it rests on, *why* that severity (the legal effect of the defect), one line on what it
checks, and its English message and fix (the gettext message ids; translations live in
``locale/``).

A code is stable: clients match on it. A message template names its values in braces
(``{materials}``); a list value is joined the way the language joins lists. Some checks choose
between variants of their message (e.g. ``ENTRY_INTO_FORCE`` when the date is known and when it
is not); a variant keeps the code and may change the severity, which ``why`` explains.

Severities follow the legal effect: a defect that can change the verdict, or that an issuing body
or customs would refuse to accept, rejects; one that may be queried or loses a margin warns; a
fact worth knowing informs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rcep_origin.prereview._model import Severity

REJECT, WARN, INFO = Severity.REJECT, Severity.WARN, Severity.INFO


@dataclass(frozen=True, slots=True)
class Text:
    message: str
    fix: str


@dataclass(frozen=True, slots=True)
class CheckSpec:
    code: str
    group: str  # hs, bom, evidence, production, verdict, consistency
    severity: Severity  # the default; a check may raise or lower it, as ``why`` says
    reason: str  # the article, or the rationale when no article applies
    why: str  # why this severity: the legal effect of the defect
    what: str  # one line: what it checks (documentation, not shown per finding)
    text: Text
    variants: dict[str, Text] = field(default_factory=dict)

    def texts(self) -> list[Text]:
        return [self.text, *self.variants.values()]


def spec(
    code: str,
    group: str,
    severity: Severity,
    reason: str,
    what: str,
    message: str,
    fix: str,
    *,
    why: str,
    **variants: tuple[str, str],
) -> CheckSpec:
    return CheckSpec(
        code,
        group,
        severity,
        reason,
        why,
        what,
        Text(message, fix),
        {name: Text(*pair) for name, pair in variants.items()},
    )
