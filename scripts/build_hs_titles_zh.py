"""Build the Chinese HS2022 titles the pre-review and the suggester use.

    python scripts/build_hs_titles_zh.py HSBENCH_CHECKOUT

reads the Chinese tariff nomenclature files of HSBench (github.com/VoldeMordddddd/HSBench,
commit 6dd2d1c8, folder ``hscode_cn_2025/``: ``chapter.csv``, ``heading.csv``, ``subheading.csv``,
``tariff-item.csv``, ``extension.csv``, UTF-8 with a byte-order mark) and writes

- ``src/rcep_origin/data/hs/hs2022_titles_zh.csv``: the Chinese title of every HS2022 chapter,
  heading and subheading (the ``name`` column only);
- ``src/rcep_origin/data/hs/hs2022_terms_zh.csv``: for each subheading, the names of its Chinese
  8-digit tariff items and 10-digit statistical extensions ("机床用可编程序控制器(PLC)"), which
  the suggester searches; they are the words Chinese exporters use.

Only names are taken, never the ``description`` column (explanatory text derived from the WCO
Explanatory Notes, which may not be shipped). The names are the text of the Customs Tariff of the
People's Republic of China (2025), an official document of a state organ (PRC Copyright Law,
Art. 5(1)). China's national chapter 98 is left out: it is not part of the HS.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "rcep_origin" / "data" / "hs"
SOURCE = (
    "Customs Tariff of the People's Republic of China (2025 edition, HS2022-based), names "
    "only, as compiled in github.com/VoldeMordddddd/HSBench, commit 6dd2d1c8, hscode_cn_2025/"
)


def _rows(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / f"{name}.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _clean(text: str) -> str:
    return " ".join(text.replace("\n", " ").split())


def main(checkout: Path) -> None:
    folder = checkout / "hscode_cn_2025"
    titles: list[tuple[str, str]] = []
    for name, width in (("chapter", 2), ("heading", 4), ("subheading", 6)):
        for row in _rows(folder, name):
            code = row["code"].strip()
            if len(code) != width or not code.isdigit():
                raise ValueError(f"{name}.csv: bad code {code!r}")
            if code.startswith("98"):
                continue  # China's national chapter, not HS
            titles.append((code, _clean(row["name"])))
    titles.sort()
    terms: dict[str, list[str]] = {}
    for name in ("tariff-item", "extension"):
        for row in _rows(folder, name):
            code = row["code"].strip()[:6]
            if code.startswith("98"):
                continue
            words = _clean(row["name"])
            if words and words not in terms.setdefault(code, []):
                terms[code].append(words)
    header = (
        f"# Chinese titles of the HS2022 nomenclature: chapters, headings and subheadings.\n"
        f"# Source: {SOURCE}.\n"
        f"# Official text of a state organ (PRC Copyright Law, Art. 5(1)); names only, no notes.\n"
        f"# Built by scripts/build_hs_titles_zh.py; {len(titles)} rows.\n"
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["code", "title_zh"])
    writer.writerows(titles)
    (OUT / "hs2022_titles_zh.csv").write_text(header + buffer.getvalue(), "utf-8")
    header = (
        f"# Names of the Chinese tariff items (8 digits) and statistical extensions (10 digits)\n"
        f"# under each HS2022 subheading, joined by '；', for the HS suggester's Chinese index.\n"
        f"# Source: {SOURCE}.\n"
        f"# Official text of a state organ (PRC Copyright Law, Art. 5(1)); names only, no notes.\n"
        f"# Built by scripts/build_hs_titles_zh.py; {len(terms)} rows.\n"
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["code", "terms_zh"])
    writer.writerows((code, "；".join(names)) for code, names in sorted(terms.items()))
    (OUT / "hs2022_terms_zh.csv").write_text(header + buffer.getvalue(), "utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
