"""The full rollup rebuild as set-based statements, run by the database (issue 13).

The ledger is one `INSERT INTO rollup_ledger SELECT ... FROM cases` (each case's contribution:
its received day, and its callback day and answers when the callback is valid), the daily
rollups one `INSERT INTO rollup_daily SELECT ... GROUP BY` over the ledger, and the monthly ones
one `INSERT INTO rollup_monthly SELECT ... GROUP BY` over the daily rows. Same arithmetic as
`rollups.ledger_rows` / `contributions` (tests/test_rollups*.py compare both paths), but no row
travels through Python: 10 million cases are two statements instead of 200 pages of pandas.

An assessment day is the local date of the instant, shifted by `24 - day_cutoff_hour` hours when
a cut-off is set (`periods.assessment_days`). PostgreSQL converts with its own time-zone database
(`AT TIME ZONE`); SQLite has none, so there the zone must keep one UTC offset (Asia/Shanghai has
since 1991), and `supported` says when it does not: the caller then keeps the pandas path.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    DateTime,
    Integer,
    and_,
    case,
    cast,
    func,
    insert,
    literal,
    literal_column,
    select,
    union_all,
)

from dashboard.assessment.rules import Rules
from dashboard.store.schema import Case, DailyRollup, MonthlyRollup, RollupLedger

SATISFACTION_VALUES = ("satisfied", "basically", "dissatisfied")
LEDGER_COLUMNS = [c.name for c in RollupLedger.__table__.columns]
# key, then orders, valid_callbacks, contacted, solved, satisfied, basically
ROLLUP_COLUMNS = [c.name for c in DailyRollup.__table__.columns]
MONTHLY_COLUMNS = [c.name for c in MonthlyRollup.__table__.columns]  # township_code, month, the counts
_PROBE_YEARS = range(2000, datetime.now(UTC).year + 2)


def _fixed_offset_minutes(zone: ZoneInfo) -> int | None:
    """The zone's one UTC offset in minutes over the years cases can have, or None if it changes."""
    offsets = {
        zone.utcoffset(datetime(year, month, 1)).total_seconds() // 60 for year in _PROBE_YEARS for month in (1, 7)
    }
    return int(offsets.pop()) if len(offsets) == 1 else None


def supported(conn: Connection, zone: ZoneInfo) -> bool:
    return conn.dialect.name == "postgresql" or _fixed_offset_minutes(zone) is not None


def _day(conn: Connection, column, rules: Rules, zone: ZoneInfo) -> ColumnElement:
    """The assessment day of a stored UTC instant, computed by the database."""
    shift = 24 - rules.day_cutoff_hour if rules.day_cutoff_hour else 0
    if conn.dialect.name == "postgresql":
        local = func.timezone(literal(zone.key), column)  # timestamptz -> local wall time
        return cast(local + func.make_interval(0, 0, 0, 0, shift), Date)
    minutes = _fixed_offset_minutes(zone) + 60 * shift
    return func.date(column, literal_column(f"'{minutes:+d} minutes'"))


def rebuild_set_based(conn: Connection, rules: Rules, zone: ZoneInfo) -> None:
    """Fill the (emptied) ledger and rollups from all cases (the caller records the feed position)."""
    valid = and_(
        Case.callback_at.is_not(None),
        Case.contacted.is_not(None),
        Case.solved.is_not(None),
        Case.satisfaction.in_(SATISFACTION_VALUES),
    )

    def flag(condition) -> ColumnElement:
        return case((and_(valid, condition), 1), else_=0)

    contributions = select(
        Case.case_id,
        Case.township_code,
        Case.category,
        _day(conn, Case.received_at, rules, zone),
        case((valid, _day(conn, Case.callback_at, rules, zone)), else_=None),
        flag(Case.contacted.is_(True)),
        flag(Case.solved.is_(True)),
        flag(Case.satisfaction == "satisfied"),
        flag(Case.satisfaction == "basically"),
    )
    conn.execute(insert(RollupLedger).from_select(LEDGER_COLUMNS, contributions))
    ledger = RollupLedger.__table__.c
    counts = ROLLUP_COLUMNS[3:]  # orders, valid_callbacks, contacted, solved, satisfied, basically
    answers = [ledger[name].label(name) for name in counts[2:]]
    orders = select(ledger.township_code, ledger.received_day.label("day"), ledger.category, literal(1).label("orders"),
                    *(literal(0).label(name) for name in counts[1:]))  # fmt: skip
    callbacks = select(ledger.township_code, ledger.callback_day, ledger.category, literal(0).label("orders"),
                       literal(1).label("valid_callbacks"), *answers)  # fmt: skip
    parts = union_all(orders, callbacks.where(ledger.callback_day.is_not(None))).subquery()
    key = [parts.c.township_code, parts.c.day, parts.c.category]
    grouped = select(*key, *(func.sum(parts.c[name]) for name in counts)).group_by(*key)
    conn.execute(insert(DailyRollup).from_select(ROLLUP_COLUMNS, grouped))
    if conn.dialect.name == "postgresql":  # fresh statistics: the planner saw the emptied tables until now
        conn.exec_driver_sql("ANALYZE rollup_daily, rollup_ledger")


def _month(conn: Connection, day, cutoff_day: int) -> ColumnElement:
    """First day of the assessment month of `day` (`periods.month_of_day`): the cut-off day on or before it.

    Step back `cutoff_day - 1` days, take the start of that calendar month, step forward again.
    """
    back = cutoff_day - 1
    if conn.dialect.name == "postgresql":
        start = cast(func.date_trunc("month", cast(day - literal_column(str(back), Integer), DateTime)), Date)
        return start + literal_column(str(back), Integer)
    return func.date(day, literal(f"-{back} days"), literal("start of month"), literal(f"+{back} days"))


def rebuild_monthly(conn: Connection, cutoff_day: int) -> None:
    """Fill the (emptied) monthly rollups from the daily ones: one GROUP BY, whatever the engine or zone."""
    daily = DailyRollup.__table__.c
    month = _month(conn, daily.day, cutoff_day).label("month")
    counts = [func.sum(daily[name]) for name in MONTHLY_COLUMNS[2:]]
    grouped = select(daily.township_code, month, *counts).group_by(daily.township_code, month)
    conn.execute(insert(MonthlyRollup).from_select(MONTHLY_COLUMNS, grouped))
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ANALYZE rollup_monthly")
