"""One countdown row, shared by the overview, the district and township pages (pure).

The row carries its deadline in `data-due`; assets/ticker.js ticks the clock every second in the
browser. The server renders the first value so a fresh row never shows an empty clock.
"""

from __future__ import annotations

from typing import Any

from dash import html

from dashboard.live.contract import Snapshot
from layouts.i18n import URGENCY, fmt_countdown, t
from layouts.names import tr


def countdown_row(item: dict[str, Any], seconds_left: float, lang: str) -> html.Div:
    """`item`: case_id, urgency, state, due_kind, due_at (ISO), place, category."""
    urgency = URGENCY.get(item["urgency"], {}).get(lang, item["urgency"])
    return html.Div(
        [
            html.Span(urgency, className=f"urgency-chip urgency-{item['urgency']}"),
            html.Div(
                [
                    html.Span(tr(item["place"], lang), className="cd-place"),
                    html.Span(f"{tr(item['category'], lang)} · {t(item['due_kind'], lang)}", className="cd-what"),
                ],
                className="cd-main",
            ),
            html.Span(fmt_countdown(seconds_left, lang), className="cd-clock",
                      **{"data-due": item["due_at"], "data-lang": lang}),
        ],
        className=f"countdown-row state-{item['state']}",
        **{"data-state": item["state"], **({"data-case": item["case_id"]} if item.get("case_id") else {})},
    )  # fmt: skip


def holiday_note(snapshot: Snapshot | None, lang: str) -> list[html.Div]:
    """A visible warning beside deadlines when a year they reach has no official holiday schedule."""
    years = snapshot["holidays_missing"] if snapshot else []
    if not years:
        return []
    joined = "、".join(str(y) for y in years) if lang != "en" else ", ".join(str(y) for y in years)
    return [html.Div(t("holidays_missing", lang).format(years=joined), className="holiday-note")]
