"""English labels of the order taxonomy (categories and subcategories), a table kept in the repo.

`taxonomy_en.csv` is written by scripts/build_names_en.py from the demo taxonomy and may be
extended by hand with the categories of real imported data; a label missing here stays Chinese.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

TABLE = Path(__file__).with_name("taxonomy_en.csv")


@lru_cache(maxsize=1)
def labels_en() -> dict[str, str]:
    """Chinese category or subcategory label -> English label."""
    with TABLE.open(encoding="utf-8") as f:
        return {row["zh"]: row["en"] for row in csv.DictReader(f)}
