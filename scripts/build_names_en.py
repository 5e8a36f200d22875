"""Write the English names once: townships (pinyin + unit type) and the demo taxonomy's categories.

    /work/main/.venv/bin/python scripts/build_names_en.py   # writes geo/data/townships_en.csv and
                                                            # dashboard/assessment/taxonomy_en.csv

Township names follow the official style "Jianwai Subdistrict", "Sunhe Township": the stem in
pinyin (one word, capitalised, with an apostrophe before a syllable that starts with a, o or e),
then the unit type. pypinyin reads characters as in everyday words, which is wrong for a few place
names; the corrections below were checked by hand against the names in geo/data/townships.csv.
The output is committed and reviewed; the app never runs pypinyin.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from pypinyin import lazy_pinyin

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Unit types, longest suffix first (ethnic townships name their people).
KINDS = (
    ("满族蒙古族乡", "Manchu and Mongol Ethnic Township"),
    ("满族乡", "Manchu Ethnic Township"),
    ("回族乡", "Hui Ethnic Township"),
    ("街道", "Subdistrict"),
    ("地区", "Area"),
    ("镇", "Town"),
    ("乡", "Township"),
)
# Characters read differently in Beijing place names: 朝阳 chao, 长辛店 chang, 马家堡 pu, 劲松 jin.
CHAR_READING = {"朝": "chao", "长": "chang", "堡": "pu", "劲": "jin"}
# Whole stems whose reading is local or whose English name is established.
STEM_NAME = {"什刹海": "Shichahai", "大栅栏": "Dashilan", "佛子庄": "Fozizhuang", "首都机场": "Capital Airport"}


def romanise(stem: str) -> str:
    """One capitalised pinyin word, e.g. 广安门外 -> Guang'anmenwai."""
    if stem in STEM_NAME:
        return STEM_NAME[stem]
    syllables = [CHAR_READING.get(ch, py) for ch, py in zip(stem, lazy_pinyin(stem), strict=True)]
    word = syllables[0]
    for syllable in syllables[1:]:
        word += ("'" if syllable[0] in "aoe" else "") + syllable
    return word.replace("ü", "u").replace("v", "u").capitalize()


def township_en(name: str) -> str:
    """ "建外街道" -> "Jianwai Subdistrict"; a one-character stem keeps its unit: 杨镇 -> "Yangzhen Town"."""
    for suffix, kind in KINDS:
        stem = name.removesuffix(suffix)
        if stem != name:
            return f"{romanise(stem if len(stem) > 1 else name)} {kind}"
    return romanise(name)


def write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main() -> int:
    from data_loader.demo.model import TAXONOMY

    with (ROOT / "geo" / "data" / "townships.csv").open(encoding="utf-8") as f:
        towns = list(csv.DictReader(f))
    write(ROOT / "geo" / "data" / "townships_en.csv", ["code", "name", "name_en"],
          [[t["code"], t["name"], township_en(t["name"])] for t in towns])  # fmt: skip
    rows = [["category", c.zh, "", c.en] for c in TAXONOMY]
    rows += [["subcategory", s.zh, c.zh, s.en] for c in TAXONOMY for s in c.subs]
    write(ROOT / "dashboard" / "assessment" / "taxonomy_en.csv", ["level", "zh", "parent", "en"], rows)
    print(f"{len(towns)} townships, {len(rows)} taxonomy labels")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
