"""Thin Dash wiring: each callback hands off to a plain function that tests call directly."""

from __future__ import annotations

from dash import Dash

from callbacks import (  # issue 15
    hotwords,
    map_page,
    ops_pages,
    overview,
    rankings_page,
    router,
    sla_page,
    trace_drawer,
    unit_analysis,
    unit_page,
    whatif_page,
)
from callbacks.context import AppContext


def register_callbacks(app: Dash, context: AppContext) -> None:
    router.register(app, context)
    for page in (overview, map_page, sla_page, rankings_page, unit_page, hotwords, ops_pages):
        page.register(app, context)
    for page in (trace_drawer, unit_analysis, whatif_page):
        page.register(app, context)
