"""Operator pages (pure): the alerts pushed to the duty room, and the wall screens' health."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from dash import html

from layouts import ids
from layouts.i18n import t

ALERT_STATE = {"critical": "state-overdue", "warning": "state-warning"}
SCREEN_STATE = {"ok": "state-ok", "stale": "state-warning", "gone": "state-overdue"}


def _time(value: Any, tz: ZoneInfo) -> str:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.astimezone(tz).strftime("%m-%d %H:%M:%S")


def alert_rows(alerts: list[dict[str, Any]], lang: str, tz: ZoneInfo) -> list:
    """Newest first; unacknowledged alerts carry an acknowledge button (44 px)."""
    if not alerts:
        return [html.Div(t("no_alerts", lang), className="empty-note")]
    rows = []
    for a in alerts:
        done = a["acknowledged_at"] is not None
        action = (
            html.Span(f"{t('acknowledged', lang)} · {a['acknowledged_by']} {_time(a['acknowledged_at'], tz)}",
                      className="ops-done")
            if done
            else html.Button(t("acknowledge", lang), id={"type": ids.ALERT_ACK, "id": a["id"]}, n_clicks=0,
                             className="button ops-button")
        )  # fmt: skip
        rows.append(
            html.Div(
                [
                    html.Span(t(f"kind_{a['kind']}", lang), className=f"chip state-chip {ALERT_STATE[a['severity']]}"),
                    html.Div(
                        [html.Span(a["title"], className="ops-title"), html.Span(a["body"], className="ops-body"),
                         html.Span(f"{t('delivery', lang)}: {a['delivery'] or '—'}", className="ops-meta")],
                        className="ops-main",
                    ),
                    html.Span(_time(a["created_at"], tz), className="ops-time"),
                    action,
                ],
                className="ops-row" + (" ops-row-done" if done else ""),
                **{"data-alert": str(a["id"])},
            )
        )  # fmt: skip
    return rows


def _ago(seconds: int | None, lang: str) -> str:
    return "—" if seconds is None else t("seconds_ago", lang).format(n=seconds)


def screen_rows(screens: list[dict[str, Any]], lang: str) -> list:
    """One row per screen: state (colour and word), page, data shown, last heartbeat and render, heap."""
    if not screens:
        return [html.Div(t("no_screens", lang), className="empty-note")]
    head = html.Div(
        [html.Span(t(k, lang)) for k in ("state", "screen", "page", "data_time", "last_seen", "last_render", "heap")]
        + [html.Span()],
        className="screen-row screen-head",
    )
    rows = [head]
    for s in screens:
        action = (
            html.Span(t("reload_pending", lang), className="ops-done")
            if s["reload_pending"]
            else html.Button(t("reload", lang), id={"type": ids.SCREEN_RELOAD, "screen": s["screen"]}, n_clicks=0,
                             className="button ops-button")
        )  # fmt: skip
        heap = "—" if s.get("heap_mb") is None else f"{s['heap_mb']:.0f} MB"
        rows.append(
            html.Div(
                [
                    html.Span(t(f"screen_{s['state']}", lang), className=f"chip state-chip {SCREEN_STATE[s['state']]}"),
                    html.Span(s["screen"], className="ops-title"),
                    html.Span(s["page"] or "/"),
                    html.Span(s["data_time"][11:19] or "—"),
                    html.Span(_ago(s["seen_ago"], lang)),
                    html.Span(_ago(s["rendered_ago"], lang)),
                    html.Span(heap),
                    action,
                ],
                className="screen-row",
                **{"data-screen": s["screen"], "data-state": s["state"]},
            )
        )
    return rows


def page(title_key: str, list_id: str, rows: list, lang: str) -> html.Div:
    return html.Div(
        html.Section([html.H2(t(title_key, lang), className="panel-title"), html.Div(rows, id=list_id,
                                                                                     className="ops-list")],
                     className="panel"),
        className="ops-page",
    )  # fmt: skip
