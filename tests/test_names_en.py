"""English names: townships in pinyin plus unit type, districts reviewed by hand, taxonomy translated."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from dashboard.assessment.taxonomy import labels_en
from data_loader.demo.model import TAXONOMY
from geo.reference import districts, township_names_en, townships
from layouts.names import tr

spec = importlib.util.spec_from_file_location(
    "build_names_en", Path(__file__).parent.parent / "scripts" / "build_names_en.py"
)
build = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build)


def test_the_16_districts_have_their_reviewed_english_names():
    expected = ["Dongcheng", "Xicheng", "Chaoyang", "Fengtai", "Shijingshan", "Haidian", "Mentougou", "Fangshan",
                "Tongzhou", "Shunyi", "Changping", "Daxing", "Huairou", "Pinggu", "Miyun", "Yanqing"]  # fmt: skip
    assert districts().sort_values("code")["name_en"].tolist() == expected


def test_every_township_has_an_english_name_with_its_unit_type():
    names = township_names_en()
    towns = townships()
    assert set(names) == set(towns["code"])
    kinds = {"街道": "Subdistrict", "镇": "Town", "乡": "Township"}
    for code, kind in zip(towns["code"], towns["kind"], strict=True):
        assert names[code].endswith(kinds[kind]), names[code]
        assert all(ord(ch) < 128 for ch in names[code]), names[code]


def test_romanisation_of_examples_and_polyphonic_place_names():
    cases = {
        "建外街道": "Jianwai Subdistrict",
        "孙河乡": "Sunhe Township",
        "朝阳门街道": "Chaoyangmen Subdistrict",  # 朝 chao, not zhao
        "长辛店街道": "Changxindian Subdistrict",  # 长 chang, not zhang
        "马家堡街道": "Majiapu Subdistrict",  # 堡 pu in Beijing place names
        "永乐店镇": "Yongledian Town",  # 乐 le
        "劲松街道": "Jinsong Subdistrict",  # 劲 jin
        "广安门外街道": "Guang'anmenwai Subdistrict",  # apostrophe before a syllable starting with a
        "大栅栏街道": "Dashilan Subdistrict",  # the local reading
        "常营回族乡": "Changying Hui Ethnic Township",
        "杨镇": "Yangzhen Town",  # a one-character stem keeps its 镇
        "南磨房地区": "Nanmofang Area",
    }
    for zh, en in cases.items():
        assert build.township_en(zh) == en


def test_the_taxonomy_table_covers_every_demo_category_and_subcategory():
    table = labels_en()
    for category in TAXONOMY:
        assert table[category.zh] == category.en
        for sub in category.subs:
            assert table[sub.zh] == sub.en


def test_tr_translates_names_codes_and_composites_and_leaves_unknown_values():
    assert tr("朝阳区 建外街道", "en") == "Chaoyang Jianwai Subdistrict"
    assert tr("110105001", "en") == "Jianwai Subdistrict"
    assert tr("供暖服务", "en") == "Heating service"
    assert tr("没有译名的值", "en") == "没有译名的值"
    assert tr("建外街道", "zh") == "建外街道"
    assert tr(None, "en") is None
