"""The case database schema (SQLAlchemy 2). One source of truth for tables, read by Alembic.

Times are stored as UTC: `UTCDateTime` makes SQLite (which has no time zones) and PostgreSQL
(timestamptz) return the same timezone-aware values, so no caller has to know the engine.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator):
    """Timezone-aware datetime stored as UTC on every engine."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: localise it before storing")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class District(Base):
    __tablename__ = "districts"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    name_en: Mapped[str] = mapped_column(String(64))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)


class Township(Base):
    __tablename__ = "townships"

    code: Mapped[str] = mapped_column(String(9), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    district_code: Mapped[str] = mapped_column(ForeignKey("districts.code"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # 街道 / 镇 / 乡 / 地区
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    approximate: Mapped[bool] = mapped_column(Boolean, default=True)


class TownshipAlias(Base):
    """Other names and codes a file may use for a township (statistics bureau list, old names)."""

    __tablename__ = "township_aliases"

    alias: Mapped[str] = mapped_column(String(64), primary_key=True)
    district_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    township_code: Mapped[str] = mapped_column(ForeignKey("townships.code"))


class Case(Base):
    """One work order (工单): the import contract's columns plus derived deadlines and status."""

    __tablename__ = "cases"

    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str | None] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32))
    subcategory: Mapped[str | None] = mapped_column(String(64))
    urgency: Mapped[str] = mapped_column(String(16))
    district_code: Mapped[str] = mapped_column(ForeignKey("districts.code"))
    township_code: Mapped[str] = mapped_column(ForeignKey("townships.code"))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(256))
    description: Mapped[str | None] = mapped_column(Text)
    caller_hash: Mapped[str | None] = mapped_column(String(64))
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extended_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    callback_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contacted: Mapped[bool | None] = mapped_column(Boolean)
    solved: Mapped[bool | None] = mapped_column(Boolean)
    satisfaction: Mapped[str | None] = mapped_column(String(16))  # satisfied/basically/dissatisfied
    respond_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolve_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))  # open / responded / resolved / closed
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_cases_updated_at", "updated_at"),
        Index("ix_cases_received_at", "received_at"),
        Index("ix_cases_status_due", "status", "resolve_due_at"),
        Index("ix_cases_township_callback", "township_code", "callback_at"),
        Index("ix_cases_township_received", "township_code", "received_at"),
        # No index on caller_hash: the repeat-complainant screen reads a 30-day received_at range
        # and groups it, so an index led by a 64-character hash (the widest one) only slowed imports.
    )


# The SLA board pages the open orders by the deadline that matters now (dashboard/live/open_orders.py).
# The expression is spelled as PostgreSQL prints it back, so that Alembic's compare sees no change.
# On PostgreSQL the index covers every column a page shows, so a page is an index-only scan: the
# open orders are scattered over the whole heap (a 15-day complex case sits among closed ones).
OPEN_PREDICATE = "status IN ('open', 'responded')"
OPEN_DUE_SQL = "\nCASE\n    WHEN responded_at IS NULL THEN respond_due_at\n    ELSE resolve_due_at\nEND"
OPEN_INCLUDE = ["status", "district_code", "township_code", "category", "subcategory", "urgency", "dispatched_at",
                "responded_at", "respond_due_at", "resolve_due_at"]  # fmt: skip
Index(
    "ix_cases_open_due",
    text(OPEN_DUE_SQL),
    Case.case_id,
    postgresql_where=text(OPEN_PREDICATE),
    postgresql_include=OPEN_INCLUDE,
    sqlite_where=text(OPEN_PREDICATE),
)


class ImportBatch(Base):
    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(512))
    format: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)


class RejectedRow(Base):
    """A row that failed validation, kept verbatim with its reason so nothing is lost."""

    __tablename__ = "rejected_rows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    column: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[dict] = mapped_column(JSON)


ROLLUP_COVER = ("day", "township_code", "orders", "valid_callbacks", "contacted", "solved", "satisfied", "basically")


class CallbackCounts:
    """The callback columns a case adds to its callback's day (`scoring.COUNT_COLUMNS` without the first two)."""

    contacted: Mapped[int] = mapped_column(Integer, default=0)
    solved: Mapped[int] = mapped_column(Integer, default=0)
    satisfied: Mapped[int] = mapped_column(Integer, default=0)
    basically: Mapped[int] = mapped_column(Integer, default=0)


class RollupCounts:
    """With `CallbackCounts`, what a rollup row sums (`scoring.COUNT_COLUMNS`): orders and valid callbacks."""

    orders: Mapped[int] = mapped_column(Integer, default=0)
    valid_callbacks: Mapped[int] = mapped_column(Integer, default=0)


class DailyRollup(RollupCounts, CallbackCounts, Base):
    """Per township x day x category aggregates, maintained incrementally (BRIEF section 4).

    `orders` counts cases received that day; the callback columns count callbacks made that day,
    because a case counts in the period of its callback.
    """

    __tablename__ = "rollup_daily"

    township_code: Mapped[str] = mapped_column(ForeignKey("townships.code"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    category: Mapped[str] = mapped_column(String(32), primary_key=True)

    __table_args__ = (
        Index("ix_rollup_daily_day", "day"),
        # Covers a period's sums: a month's ranking is an index-only scan, not 120k heap rows (issue 13).
        Index("ix_rollup_daily_day_cover", *ROLLUP_COVER),
    )


class MonthlyRollup(RollupCounts, CallbackCounts, Base):
    """Per township x assessment month sums of `rollup_daily`, maintained by the same deltas (issue 13).

    A month's ranking reads 343 rows here instead of ~120,000 daily rows per month: that is what
    keeps the monthly ranking with classes within 20 ms at 10 million cases. `month` is the first
    assessment day of the month (`periods.month_of_day`), so the table depends on the rules' month
    cut-off day, recorded with the rollups (`rollups.MONTH_CUTOFF_KEY`).
    """

    __tablename__ = "rollup_monthly"

    township_code: Mapped[str] = mapped_column(ForeignKey("townships.code"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)

    __table_args__ = (Index("ix_rollup_monthly_month", "month"),)


class KeyValue(Base):
    """Small durable state: watermarks of the poller and of syncs, reference data version."""

    __tablename__ = "kv_state"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RollupLedger(CallbackCounts, Base):
    """Each case's last contribution to `rollup_daily`, so a changed case subtracts its old counts.

    `received_day` holds the order count; `callback_day` (null unless the callback is valid) holds
    the callback counts. Both are assessment days (rules' day cut-off in HOTLINE_TZ).
    """

    __tablename__ = "rollup_ledger"

    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    township_code: Mapped[str] = mapped_column(String(9))
    category: Mapped[str] = mapped_column(String(32))
    received_day: Mapped[date] = mapped_column(Date)
    callback_day: Mapped[date | None] = mapped_column(Date)


class User(Base):
    """A person who logs in (dashboard.access.users): the password only as an argon2 hash."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    districts: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ApiToken(Base):
    """A bearer / wall-screen token (dashboard.access.tokens): only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    districts: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditEntry(Base):
    """Who did what when: logins, exports, token use, user and token changes (dashboard.access.audit)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)


class CaseChange(Base):
    """The change feed (dashboard/live/change_feed.py): one row per case written or deleted.

    Filled by triggers on `cases` (migration 0002), so every writer, ours or not, is recorded in
    the writer's own transaction. `seq` is monotonic; `txid` (PostgreSQL only) is the writing
    transaction's id, which readers compare with the oldest in-flight transaction.
    """

    __tablename__ = "case_changes"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(64))
    txid: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_case_changes_txid", "txid"), {"sqlite_autoincrement": True})


class AlertRecord(Base):
    """An alert pushed to the people on duty (dashboard/alerts/): what, when, where it went, who saw it.

    `key` names the event (one alert per event); `subject` names what it is about (a township, the
    pipeline) so the quiet period can hold back a repeat about the same subject.
    """

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    subject: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivery: Mapped[str | None] = mapped_column(Text)  # per channel: "webhook ok; email failed: ..."
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_alerts_subject_created", "subject", "created_at"),
        Index("ix_alerts_created", "created_at"),
    )
