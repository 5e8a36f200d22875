"""The hot-word panel (诉求热词) and the orders naming a chosen word (pure views).

A ranked list, not a word cloud: each row shows the word, its orders in the window and how many
times its usual count that is; tapping a row opens the map filtered to the word.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from dash import html

from dashboard.live.contract import Names, Snapshot
from layouts import ids
from layouts.i18n import fmt_count, t
from layouts.names import tr
from layouts.shell import link


def hot_word_rows(snapshot: Snapshot | None, lang: str, district: str | None = None,
                  limit: int = 10, chosen: str = "") -> list:  # fmt: skip
    """City-wide (or one district's) hot words, hottest first, each a link to the filtered map."""
    data = snapshot["hot_words"] if snapshot else {}
    if not data:  # no snapshot yet, or the detector is still warming up its baseline
        return [html.Div(t("waiting", lang), className="empty-note")]
    rows = data["district"].get(district, []) if district else data["city"]
    if not rows:
        return [html.Div(t("no_hot_words", lang), className="empty-note")]
    most = max(r["count"] for r in rows[:limit]) or 1
    return [
        html.A(
            [
                html.Span(str(i), className="hw-pos"),
                html.Span(r["word"], className="hw-word"),
                html.Span(html.Span(className="bar-fill", style={"width": f"{100 * r['count'] / most:.0f}%"}),
                          className="bar-track hw-track"),
                html.Span(fmt_count(r["count"], lang), className="hw-count"),
                html.Span(f"×{r['ratio']:g}", className="hw-ratio"),
            ],
            href=link("/map", lang, word=r["word"]),
            className="hw-row" + (" hw-chosen" if r["word"] == chosen else ""),
            **{"data-word": r["word"]},
        )
        for i, r in enumerate(rows[:limit], start=1)
    ]  # fmt: skip


def panel(lang: str, rows: list, list_id: str | None = ids.HOT_WORDS) -> html.Section:
    """The titled panel; `list_id` lets the shared callback refresh it (None inside a page's own body)."""
    body = html.Div(rows, id=list_id, className="hw-list") if list_id else html.Div(rows, className="hw-list")
    return html.Section(
        [html.H2(t("hot_words", lang), className="panel-title"), body], className="panel panel-hot-words"
    )


def word_orders(word: str, orders: list[dict[str, Any]] | None, names: Names, lang: str,
                tz: ZoneInfo) -> html.Section:  # fmt: skip
    """The orders naming `word` (None: this viewer may not see case-level data)."""
    towns = names["township"]
    if orders is None:
        body = [html.Div(t("no_case_access", lang), className="empty-note")]
    elif not orders:
        body = [html.Div(t("none", lang), className="empty-note")]
    else:
        body = [
            html.A(
                [
                    html.Span(_local(r["received_at"], tz), className="wo-time"),
                    html.Span(tr(towns.get(r["township_code"], r["township_code"]), lang), className="wo-place"),
                    html.Span(tr(r.get("subcategory") or r["category"], lang), className="wo-what"),
                    html.Span(r["case_id"], className="wo-id"),
                ],
                href=link(f"/township/{r['township_code']}", lang),
                className="wo-row",
            )
            for r in orders
        ]
    title = f"{t('word_orders', lang).format(word=word)} · {fmt_count(len(orders or []), lang)}"
    return html.Section(
        [
            html.Div([html.H2(title, className="panel-title"),
                      html.A(t("clear_word", lang), href=link("/map", lang), className="wo-clear")],
                     className="wo-head"),
            html.Div(body, id=ids.HOT_WORD_ORDERS, className="wo-list"),
        ],
        className="panel panel-word-orders",
    )  # fmt: skip


def _local(value: Any, tz: ZoneInfo) -> str:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.astimezone(tz).strftime("%m-%d %H:%M")
