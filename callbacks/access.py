"""The app layout per page load: the shell plus the access bar of whoever is looking."""

from __future__ import annotations

from collections.abc import Callable

from dash import html

from dashboard.access.web import viewer_kind, viewer_label
from layouts.access import with_access_bar


def layout_for_viewer(base: html.Div, login_on: bool) -> Callable[[], html.Div]:
    """Dash calls this on every page load, inside the request: the bar names the signed-in user."""

    def layout() -> html.Div:
        viewer = viewer_label() if viewer_kind() == "user" else None
        return with_access_bar(base, viewer, login_on)

    return layout
