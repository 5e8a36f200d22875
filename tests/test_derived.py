"""A start under other rules recomputes the stored deadlines and rebuilds the rollups (issue 10, point 3)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from dashboard.assessment.rules import parse_rules
from dashboard.live.derived import reconcile
from dashboard.store.schema import Case, DailyRollup
from tests.assessment_data import SHANGHAI, add_reference, case, default_data, write_cases


def rules_with(digest: str, **sections):
    data = default_data()
    for section, values in sections.items():
        data[section].update(values)
    return parse_rules(data, digest=digest)


def test_a_start_with_another_digest_recomputes_deadlines_and_rebuilds_rollups(any_engine, caplog):
    """A general order dispatched Fri 2026-02-13 10:00 (Shanghai), received 13:00 the same day.

    Natural rules: resolve due 7 days later, Fri 02-20 10:00 = 02:00 UTC; its order counts on 02-13.
    New rules: working days (02-14 swapped working day (1), holidays to 02-23, then 02-24 .. 02-28 (2-6),
    03-02 (7)) -> due Mon 03-02 10:00 = 02:00 UTC; day cut-off 12:00, so 13:00 on 02-13 counts on 02-14.
    """
    add_reference(any_engine)
    natural = rules_with("natural")
    dispatched = datetime(2026, 2, 13, 2, tzinfo=UTC)
    write_cases(any_engine, [case("G", "110101001", "2026-02-13 13:00", dispatched_at=dispatched)], natural)
    assert reconcile(any_engine, natural, SHANGHAI)
    assert not reconcile(any_engine, natural, SHANGHAI)  # same digest: nothing to do
    with any_engine.connect() as conn:
        assert conn.scalar(select(Case.resolve_due_at)) == datetime(2026, 2, 20, 2, tzinfo=UTC)
        assert conn.scalar(select(DailyRollup.day)).isoformat() == "2026-02-13"
    changed = rules_with("changed", sla={"mode": "working_days"}, periods={"day_cutoff_hour": 12})
    with caplog.at_level("INFO"):
        assert reconcile(any_engine, changed, SHANGHAI)
    with any_engine.connect() as conn:
        assert conn.scalar(select(Case.resolve_due_at)) == datetime(2026, 3, 2, 2, tzinfo=UTC)
        assert conn.scalar(select(DailyRollup.day)).isoformat() == "2026-02-14"
    assert "1 stored deadlines changed" in caplog.text and "rebuilding the rollups" in caplog.text
