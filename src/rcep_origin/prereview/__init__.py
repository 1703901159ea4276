"""Smart pre-review: coded, explained findings on a declaration before it is submitted.

    from rcep_origin.prereview import prereview
    review = prereview(declaration, lang="zh")
    review.verdict            # pass | warn | reject
    for finding in review.findings:
        finding.code, finding.severity, finding.message, finding.reason, finding.fix

Each check has a stable code (``CHECKS`` lists them with their severity and article). The engine
decides origin; pre-review reads its verdict and trace and adds what a reviewer would check
before submission: HS codes that exist and fit their description, a consistent bill of
materials, supplier evidence, production beyond minimal operations, and agreement with the
exporter's other declarations (``PreReviewContext``).

A declaration whose only defect is a product code missing from its edition cannot be
determined, but it can be pre-reviewed: ``load_for_review`` / ``parse_for_review`` /
``validate_for_review`` read it, and the HS checks report the code with the nearest valid ones.

Messages come from gettext catalogues (``locale/``, English and Simplified Chinese), compiled
with Babel when first used.
"""

from rcep_origin.prereview._i18n import Localizer, resolve_locale
from rcep_origin.prereview._input import load_for_review, parse_for_review, validate_for_review
from rcep_origin.prereview._model import Finding, PreReview, Severity, Verdict
from rcep_origin.prereview._runner import prereview
from rcep_origin.prereview.catalogue import CHECKS, CheckSpec
from rcep_origin.prereview.context import ContextLine, PreReviewContext

__all__ = [
    "CHECKS",
    "CheckSpec",
    "ContextLine",
    "Finding",
    "Localizer",
    "PreReview",
    "PreReviewContext",
    "Severity",
    "Verdict",
    "load_for_review",
    "parse_for_review",
    "prereview",
    "resolve_locale",
    "validate_for_review",
]
