"""The alert center: after each poller tick, store each new alert once and deliver it off the tick.

Dedup: an event (`key`) is stored and sent once, ever (the table's unique key holds across
restarts and pollers). Quiet period: a new event about a subject that alerted less than
`quiet_minutes` ago is dropped, so a flapping pipeline or a township hovering at its threshold
does not page the duty room every tick. Delivery runs on one worker thread; its outcome per
channel is written back to the alert's row.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from dashboard.alerts.channels import Channel, load_channels, send
from dashboard.alerts.detect import Alert, detect
from dashboard.assessment.rules import AlertRules, Rules
from dashboard.store.schema import AlertRecord

log = logging.getLogger(__name__)
UNSTORED = 0  # the id of an alert delivered while the database was unreachable


class AlertCenter:
    def __init__(self, engine: Engine, rules: AlertRules, channels: list[Channel], link: str = "") -> None:
        self.engine = engine
        self.rules = rules
        self.channels = channels
        self.link = link
        self._seen: set[str] = set()  # keys known to be stored: no query for them on later ticks
        self._last_by_subject: dict[str, datetime] = {}  # the quiet period while the database is down
        self._queue: queue.Queue[tuple[int, Alert]] = queue.Queue()
        self._worker: threading.Thread | None = None

    @classmethod
    def from_environment(cls, engine: Engine, rules: Rules, env: Mapping[str, str] | None = None) -> AlertCenter:
        """Channels from HOTLINE_ALERTS and the rules; HOTLINE_PUBLIC_URL is the link alerts carry."""
        import os

        env = os.environ if env is None else env
        return cls(engine, rules.alerts, load_channels(rules.alerts.channels, env), env.get("HOTLINE_PUBLIC_URL", ""))

    def observe(
        self, snapshot: dict[str, Any] | None, now: datetime, open_orders: pd.DataFrame | None = None
    ) -> list[int]:
        """Detect, store the new alerts and queue their delivery; returns the new alerts' ids.

        `open_orders`: the open orders with their next deadline, for the due-soon alerts."""
        new = []
        for alert in detect(snapshot, self.rules, now, open_orders):
            if alert.key in self._seen:
                continue
            try:
                alert_id = self.record(alert, now)
            except SQLAlchemyError:  # the database is down (why the pipeline is stale): send it anyway
                log.warning("alert %s could not be stored; delivering it unstored", alert.key)
                alert_id = None if self._quiet_in_memory(alert, now) else UNSTORED
            self._seen.add(alert.key)
            if alert_id is not None:
                self._last_by_subject[alert.subject] = now
                new.append(alert_id)
                self._enqueue(alert_id, alert)
        return new

    def _quiet_in_memory(self, alert: Alert, now: datetime) -> bool:
        last = self._last_by_subject.get(alert.subject)
        return last is not None and now - last < timedelta(minutes=self.rules.quiet_minutes)

    def record(self, alert: Alert, now: datetime) -> int | None:
        """Store the alert unless its event is stored or its subject is in its quiet period."""
        quiet_from = now - timedelta(minutes=self.rules.quiet_minutes)
        with self.engine.begin() as conn:
            known = conn.scalar(select(AlertRecord.id).where(AlertRecord.key == alert.key))
            recent = conn.scalar(
                select(AlertRecord.id).where(AlertRecord.subject == alert.subject, AlertRecord.created_at > quiet_from)
            )
            if known is not None or recent is not None:
                return None
            try:
                return conn.execute(
                    AlertRecord.__table__.insert().values(
                        key=alert.key, subject=alert.subject, kind=alert.kind, severity=alert.severity,
                        title=alert.title, body=alert.body, created_at=now,
                    )
                ).inserted_primary_key[0]  # fmt: skip
            except IntegrityError:  # another poller stored it first
                return None

    def _enqueue(self, alert_id: int, alert: Alert) -> None:
        if not self.channels:
            return
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(target=self._deliver_forever, name="alert-delivery", daemon=True)
            self._worker.start()
        self._queue.put((alert_id, alert))

    def _deliver_forever(self) -> None:
        while True:
            alert_id, alert = self._queue.get()
            try:
                self.deliver(alert_id, alert)
            except Exception:
                log.exception("alert %s: delivery bookkeeping failed", alert_id)
            finally:
                self._queue.task_done()

    def deliver(self, alert_id: int, alert: Alert) -> str:
        """Send to every channel that wants the alert; record "kind:target ok|failed: reason" per channel."""
        results = []
        for channel in self.channels:
            if not channel.wants(alert):
                continue
            try:
                send(channel, alert, self.link)
                results.append(f"{channel.name} ok")
            except Exception as exc:
                log.warning("alert %s to %s failed: %s", alert_id, channel.name, exc)
                results.append(f"{channel.name} failed: {exc.__class__.__name__}")
        outcome = "; ".join(results) or "no channel"
        if alert_id != UNSTORED:
            with self.engine.begin() as conn:
                conn.execute(update(AlertRecord).where(AlertRecord.id == alert_id).values(delivery=outcome))
        return outcome

    def wait_delivered(self) -> None:
        """Block until every queued alert has been delivered (tests, shutdown)."""
        self._queue.join()


def list_alerts(engine: Engine, limit: int = 200) -> list[dict[str, Any]]:
    """The newest alerts first, for the /alerts page."""
    columns = AlertRecord.__table__.columns
    query = select(*columns).order_by(columns.created_at.desc(), columns.id.desc()).limit(limit)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def acknowledge(engine: Engine, alert_id: int, who: str, now: datetime) -> bool:
    """Mark an alert as seen by `who`; False when it does not exist or was acknowledged already."""
    with engine.begin() as conn:
        done = conn.execute(
            update(AlertRecord)
            .where(AlertRecord.id == alert_id, AlertRecord.acknowledged_at.is_(None))
            .values(acknowledged_at=now, acknowledged_by=who[:64])
        )
    return done.rowcount == 1
