"""The public verification page a certificate's QR code opens: server-rendered, readable on a
phone, showing the verdict and the certificate's public fields only (never costs or BOMs: a
certificate carries none, and the page renders nothing else)."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request

from rcep_origin.certificates.verification import VerificationReport
from rcep_origin.web._i18n import COOKIE, Lang, environment, resolve, text

VERDICTS = {
    "valid": ("Valid", "valid"),
    "invalid": ("Not valid", "invalid"),
    "indeterminate": ("Could not be fully checked", "indeterminate"),
}


def _headline(report: VerificationReport) -> tuple[str, str]:
    failing = {c.name: c.reason for c in report.checks if c.result == "fail"}
    if "status" in failing:
        label = "Revoked" if "revoked" in failing["status"] else "Suspended"
        return label, "revoked"
    if "validity" in failing and "expired" in failing["validity"]:
        return "Expired", "expired"
    if "signature" in failing or "format" in failing:
        return "Tampered or not genuine", "tampered"
    return VERDICTS[report.verdict]


def page_language(request: Request) -> Lang:
    """English or Chinese: ``?lang=``, the console's language cookie, ``Accept-Language``."""
    return resolve(
        request.query_params.get("lang"),
        request.cookies.get(COOKIE),
        request.headers.get("accept-language"),
    )


def render_verification_page(
    report: VerificationReport | None,
    number: str,
    *,
    lang: Lang = "en",
    checked_at: datetime | None = None,
) -> str:
    headline, css = ("Unknown certificate", "invalid") if report is None else _headline(report)
    moment = checked_at or datetime.now(UTC)
    return (
        environment(lang)
        .get_template("verify.html")
        .render(
            number=number,
            report=report,
            headline=text(lang, headline),
            css=css,
            certificate=None if report is None else report.certificate,
            checked_at=moment.strftime("%Y-%m-%d %H:%M:%S UTC"),
            switch_url=f"?lang={'en' if lang == 'zh' else 'zh'}",
            download_url=f"/verify/{number}/certificate.json",
            check_names=CHECK_NAMES,
            results=RESULTS,
        )
    )


# The verification pipeline's checks and results, as the page names them.
CHECK_NAMES = {
    "format": "Format",
    "issuer": "Issuer",
    "signature": "Signature",
    "key": "Signing key",
    "validity": "Validity",
    "status": "Status",
    "register": "Register",
}
RESULTS = {"pass": "passed", "fail": "failed", "unknown": "not checked"}
