"""The public verification page a certificate's QR code opens: server-rendered, readable on a
phone, showing the verdict and the certificate's public fields only (never costs or BOMs: a
certificate carries none, and the page renders nothing else)."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape

from rcep_origin.certificates.verification import VerificationReport

VERDICTS = {
    "valid": ("Valid", "valid"),
    "invalid": ("Not valid", "invalid"),
    "indeterminate": ("Could not be fully checked", "indeterminate"),
}


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("rcep_origin.web", "templates"), autoescape=select_autoescape(["html"])
    )


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


def render_verification_page(report: VerificationReport | None, number: str) -> str:
    headline, css = ("Unknown certificate", "invalid") if report is None else _headline(report)
    return (
        _environment()
        .get_template("verify.html")
        .render(
            number=number,
            report=report,
            headline=headline,
            css=css,
            certificate=None if report is None else report.certificate,
        )
    )
