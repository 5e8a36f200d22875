"""English for data values: place names and taxonomy labels; a value with no translation stays as is.

The snapshot carries Chinese names (one snapshot serves both languages); pages in English pass each
shown name through `tr`. Names are unique per spelling (a Chinese name has one pinyin), so the
lookup is keyed by the Chinese text and also accepts codes.
"""

from __future__ import annotations

from functools import lru_cache

from dashboard.assessment.taxonomy import labels_en
from geo.reference import districts, township_names_en, townships


@lru_cache(maxsize=1)
def _english() -> dict[str, str]:
    towns = townships()
    town_en = township_names_en()
    table = {name: town_en[code] for code, name in zip(towns["code"], towns["name"], strict=True)}
    table |= {code: town_en[code] for code in towns["code"]}
    dists = districts()
    for code, name, name_en in zip(dists["code"], dists["name"], dists["name_en"], strict=True):
        table |= {name: name_en, code: name_en}
    return table | labels_en()


def tr(value: str | None, lang: str) -> str | None:
    """`value` in English when `lang` is "en" and a translation exists, otherwise unchanged."""
    if lang != "en" or not value:
        return value
    table = _english()
    if value in table:
        return table[value]
    return " ".join(table.get(part, part) for part in value.split(" "))  # "朝阳区 建外街道"
