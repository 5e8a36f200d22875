"""Rules file validation: defaults load, and every mistake names the field an administrator must fix."""

from __future__ import annotations

import pytest

from dashboard.assessment.rules import RulesError, load_rules, parse_rules
from dashboard.settings import DEFAULT_RULES_PATH
from tests.assessment_data import default_data, make_rules


def test_defaults_match_brief_section_2():
    rules = load_rules(DEFAULT_RULES_PATH)
    assert (rules.basically_credit, rules.w_response, rules.w_resolution, rules.w_satisfaction) == (0.9, 0.1, 0.5, 0.4)
    assert rules.min_valid_callbacks == 10 and rules.concentration_top_n == 10
    assert rules.class_sizes == {
        "township": dict.fromkeys(("advanced", "improved", "rectification", "governance"), 10),
        "district": dict.fromkeys(("advanced", "improved", "rectification", "governance"), 3),
    }
    assert rules.urgency["general"].resolve.days == 7 and rules.urgency["general"].resolve_in_days
    assert (
        rules.urgency["utilities"].resolve.total_seconds() == 24 * 3600
        and not rules.urgency["utilities"].resolve_in_days
    )
    assert (rules.repeat_min_orders, rules.repeat_window_days) == (3, 30)
    assert len(rules.digest) == 12


def _mutate(path: str, value=None, delete: bool = False) -> dict:
    data = default_data()
    node = data
    *parents, leaf = path.split(".")
    for part in parents:
        node = node[part]
    if delete:
        del node[leaf]
    else:
        node[leaf] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("composite.resolution", 0.6, "`composite` weights must add up to 1"),
        ("composite.response", "high", "`composite.response` must be a number"),
        ("rates.basically_satisfied_credit", 1.5, "`rates.basically_satisfied_credit` = 1.5 is outside"),
        ("periods.day_cutoff_hour", 24, "`periods.day_cutoff_hour`"),
        ("periods.month_cutoff_day", 2.5, "`periods.month_cutoff_day` must be a whole number"),
        ("classes.township.heroes", 5, "unknown class `classes.township.heroes`"),
        ("classes.county", {"advanced": 1}, "unknown level `classes.county`"),
        ("sla.mode", "lunar", "`sla.mode` must be one of natural, working_days"),
        ("sla.urgency.urgent", {"respond_hours": 1, "resolve_hours": 2}, "unknown urgency `sla.urgency.urgent`"),
        ("sla.urgency.general.resolve_hours", 24, "`sla.urgency.general` needs exactly one of"),
        ("ranking.min_valid_calbacks", 5, "unknown field `ranking.min_valid_calbacks`"),
        ("hotspots.p_value", 0, "`hotspots.p_value`"),
        ("concentration.top_n", True, "`concentration.top_n` must be a number"),
        ("version", "", "`version` must be a non-empty string"),
    ],
)
def test_errors_name_the_field(path, value, message):
    with pytest.raises(RulesError, match=message.replace("(", r"\(").replace(".", r"\.")):
        parse_rules(_mutate(path, value))


def test_missing_field_is_named():
    with pytest.raises(RulesError, match=r"missing field `ranking\.min_valid_callbacks`"):
        parse_rules(_mutate("ranking.min_valid_callbacks", delete=True))


def test_unreadable_files(tmp_path):
    bad = tmp_path / "rules.toml"
    bad.write_text("version = [", "utf-8")
    with pytest.raises(RulesError, match="not valid TOML"):
        load_rules(bad)
    with pytest.raises(RulesError, match="cannot read"):
        load_rules(tmp_path / "missing.toml")


def test_overrides_change_the_numbers():
    assert make_rules(**{"rates.basically_satisfied_credit": 0.6}).basically_credit == 0.6
