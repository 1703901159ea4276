"""The HTML report of a batch run, written beside RESULTS in English and in Chinese: counts by
outcome, the distribution of regional value content, the goods closest to their threshold and the
reasons for not originating, with charts.

The charts are inline SVG drawn here (a few rectangles and lines each), so the report is one
self-contained file that opens offline and loads nothing from a CDN; no chart library is needed
for bars and a histogram.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from rcep_origin.batch._i18n import LANGUAGES, text
from rcep_origin.batch._results import REASONS, Row
from rcep_origin.batch._run import BatchRun

OUTCOMES = ("originating", "not_originating", "undecidable", "error")
COLOURS = {
    "originating": "#2e7d32",
    "not_originating": "#c62828",
    "undecidable": "#f9a825",
    "error": "#616161",
}
CLOSEST = 15
ERRORS_SHOWN = 100


def report_paths(results: Path) -> dict[str, Path]:
    """``results.csv`` -> ``results.report.html`` (English), ``results.report.zh.html``."""
    stem = results.with_suffix("")
    return {"en": Path(f"{stem}.report.html"), "zh": Path(f"{stem}.report.zh.html")}


def write_report(run: BatchRun) -> dict[str, Path]:
    """Write the report in each language; returns the paths by language."""
    paths = report_paths(Path(run.results))
    environment = Environment(
        loader=PackageLoader("rcep_origin.batch", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        keep_trailing_newline=True,
    )
    template = environment.get_template("report.html.j2")
    for lang in LANGUAGES:
        other = "zh" if lang == "en" else "en"
        page = template.render(**_context(run, lang), other_href=paths[other].name)
        paths[lang].write_text(page, encoding="utf-8")
    return paths


def _context(run: BatchRun, lang: str) -> dict[str, Any]:
    def t(message_id: str, **params: Any) -> str:
        return text(lang, message_id, **params)

    counts = [(t(outcome), run.outcomes.get(outcome, 0), COLOURS[outcome]) for outcome in OUTCOMES]
    reasons = [
        (f"{t('reason.' + code)} ({REASONS.get(code, '')})", n, COLOURS["not_originating"])
        for code, n in run.top_reasons("not_originating")
    ]
    undecidable = [
        (f"{t('reason.' + code)} ({REASONS.get(code, '')})", n, COLOURS["undecidable"])
        for code, n in run.top_reasons("undecidable")
    ]
    figures = [
        (margin, row) for row in run.rows if (margin := _decimal(row.get("rvc_margin"))) is not None
    ]
    closest = [row for _, row in sorted(figures, key=lambda f: (abs(f[0]), f[1]["declaration"]))]
    errors = [row for row in run.rows if row["outcome"] == "error"]
    return {
        "lang": "zh-Hans" if lang == "zh" else "en",
        "t": t,
        "run": run,
        "outcome_label": t,
        "seconds": f"{run.seconds:.2f}",
        "where": t(run.where_message[0], **run.where_message[1]),
        "rate": f"{run.lines_per_second:,.0f}",
        "outcomes_chart": _bars(counts),
        "reasons_chart": _bars(reasons) if reasons else None,
        "undecidable_chart": _bars(undecidable) if undecidable else None,
        "rvc_chart": _histogram(run.rows, t("report.rvc_axis"), t("report.goods")),
        "closest": closest[:CLOSEST],
        "errors": errors[:ERRORS_SHOWN],
        "errors_more": max(0, len(errors) - ERRORS_SHOWN),
    }


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _bars(items: list[tuple[str, int, str]]) -> Markup:
    """Horizontal bars, one per (label, count, colour), each label above its bar."""
    width, bar_height, step = 720, 18, 44
    height = len(items) * step + 6
    top = max((n for _, n, _ in items), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img">'
    ]
    for index, (label, count, colour) in enumerate(items):
        y = index * step + 4
        length = (width - 70) * count / top
        parts.append(
            f'<text x="0" y="{y + 12}" font-size="13">{escape(label)}</text>'
            f'<rect x="0" y="{y + 18}" width="{length:.1f}" height="{bar_height}" '
            f'fill="{colour}"><title>{escape(label)}: {count}</title></rect>'
            f'<text x="{length + 6:.1f}" y="{y + 32}" font-size="13">{count}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _histogram(rows: list[Row], axis: str, unit: str) -> Markup | None:
    """RVC per cent in bins of 5 points from 0 to 100, thresholds as dashed lines."""
    values = [v for row in rows if (v := _decimal(row.get("rvc_percent"))) is not None]
    if not values:
        return None
    thresholds = sorted({t for row in rows if (t := _decimal(row.get("rvc_threshold")))})
    bins: Counter[int] = Counter(min(max(int(v // 5), 0), 19) for v in values)
    width, height, left, bottom, top_pad = 720, 260, 48, 36, 12
    plot_w, plot_h = width - left - 12, height - bottom - top_pad
    peak = max(bins.values())
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img">',
        f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{left + plot_w}" '
        f'y2="{top_pad + plot_h}" stroke="#333"/>',
    ]
    column = plot_w / 20
    for index in range(20):
        count = bins.get(index, 0)
        bar = plot_h * count / peak
        x = left + index * column
        low = index * 5
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{top_pad + plot_h - bar:.1f}" width="{column - 2:.1f}" '
            f'height="{bar:.1f}" fill="#1565c0"><title>{low}-{low + 5} %: {count} '
            f"{escape(unit)}</title></rect>"
        )
        if index % 2 == 0:
            parts.append(
                f'<text x="{x:.1f}" y="{height - 18}" font-size="11" text-anchor="middle">'
                f"{low}</text>"
            )
    parts.append(
        f'<text x="{left + plot_w:.1f}" y="{height - 18}" font-size="11" '
        'text-anchor="middle">100</text>'
    )
    for threshold in thresholds:
        x = left + plot_w * float(threshold) / 100
        parts.append(
            f'<line x1="{x:.1f}" y1="{top_pad}" x2="{x:.1f}" y2="{top_pad + plot_h}" '
            f'stroke="#c62828" stroke-dasharray="5,4"/>'
            f'<text x="{x + 4:.1f}" y="{top_pad + 12}" font-size="11" fill="#c62828">'
            f"{threshold} %</text>"
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 2}" font-size="12" '
        f'text-anchor="middle">{escape(axis)}</text>'
        f'<text x="12" y="{top_pad + 10}" font-size="11">{peak}</text>'
        "</svg>"
    )
    return Markup("".join(parts))
