"""Hotspot cards: what was flagged and why, in the viewer's language (pure)."""

from __future__ import annotations

from dash import html

from dashboard.live.contract import Hotspot, Names
from layouts.i18n import t
from layouts.names import tr
from layouts.shell import link


def reason_text(hotspot: Hotspot, lang: str) -> str:
    """The detector's evidence (count, baseline, factor) as a sentence a duty officer can repeat."""
    hours = hotspot["window_hours"]  # the rules' window and baseline, as the detector used them
    if hotspot["kind"] == "burst":
        days = hotspot["baseline_days"]
        if lang == "en":
            return (f"{hotspot['count']} orders in {hours} h vs {hotspot['expected']:.1f} expected "
                    f"({hotspot['factor']:.1f}x its own {days}-day baseline)")  # fmt: skip
        return (f"{hours}小时 {hotspot['count']} 单,{days}天基线预期 {hotspot['expected']:.1f} 单,"
                f"为平时的 {hotspot['factor']:.1f} 倍")  # fmt: skip
    radius = int(hotspot.get("radius_m", 0))
    if lang == "en":
        return f"{hotspot['count']} orders within {radius} m in {hours} h"
    return f"{hours}小时内 {radius} 米范围聚集 {hotspot['count']} 单"


def hotspot_cards(hotspots: list[Hotspot], names: Names, lang: str, limit: int = 12) -> list[html.A]:
    """One card per hotspot, strongest evidence first, each opening its township."""
    if not hotspots:
        return [html.Div(t("no_hotspots", lang), className="empty-note")]
    ordered = sorted(hotspots, key=lambda h: (-(h.get("factor") or 0), -h["count"]))
    cards = []
    for h in ordered[:limit]:
        town = names["township"].get(h["township_code"], h["township_code"])
        district = names["district"].get(h["district_code"], "")
        cards.append(
            html.A(
                [
                    html.Div(
                        [
                            html.Span(t(h["kind"], lang), className=f"hs-kind hs-{h['kind']}"),
                            html.Span(f"{tr(district, lang)} {tr(town, lang)}", className="hs-place"),
                            html.Span(tr(h["category"], lang), className="hs-category"),
                        ],
                        className="hs-head",
                    ),
                    html.Div(reason_text(h, lang), className="hs-reason"),
                ],
                href=link(f"/township/{h['township_code']}", lang),
                className="hotspot-card",
            )
        )
    return cards


def hotspot_points(hotspots: list[Hotspot], points: dict[str, tuple[float, float]], lang: str) -> list[dict]:
    """Marker positions: a cluster's own centre, a burst at its township's representative point."""
    out = []
    for h in hotspots:
        lon, lat = (h["lon"], h["lat"]) if "lon" in h else points.get(h["township_code"], (None, None))
        if lon is not None:
            out.append({"lon": lon, "lat": lat, "count": h["count"], "reason": reason_text(h, lang)})
    return out
