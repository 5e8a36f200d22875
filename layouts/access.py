"""Access chrome around every page: the demo banner with login off, the viewer's name and logout (pure)."""

from __future__ import annotations

from dash import html

from layouts import ids

DEMO_BANNER = "演示模式：未启用登录 / Demo mode: no login"


def access_bar(viewer: str | None, login_on: bool) -> html.Div:
    """A small fixed strip: the demo warning with login off, else who is signed in and a logout link."""
    if not login_on:
        zh, en = DEMO_BANNER.split(" / ")  # two short lines: the corner stays clear of the lists beside it
        return html.Div([html.Span(zh), html.Span(en)], id=ids.DEMO_BANNER, className="access-bar access-demo",
                        role="status", title=DEMO_BANNER)  # fmt: skip
    if viewer is None:  # a wall token: nobody to sign out, nothing to show on the wall
        return html.Div(id=ids.ACCESS_BAR, className="access-bar hidden")
    return html.Div(
        [
            html.Span(viewer, className="access-name"),
            html.A("退出 / Sign out", href="/logout", className="access-logout"),
        ],
        id=ids.ACCESS_BAR,
        className="access-bar access-user",
    )


def with_access_bar(base: html.Div, viewer: str | None, login_on: bool) -> html.Div:
    """The shell with the bar naming the signed-in user (or the demo banner) beside it."""
    return html.Div([base, access_bar(viewer, login_on)], id="access-root")
