"""The two callback shapes every page repeats, written once: "given the URL" and "a new snapshot arrived"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dash import Dash, Input, Output, State, no_update
from dash.dependencies import DashDependency

from callbacks.context import AppContext
from layouts import ids
from layouts.routes import View

URL_STATE = (State(ids.URL, "pathname"), State(ids.URL, "search"))


def with_url(app: Dash, *dependencies: DashDependency, initial: bool = False) -> Callable:
    """`app.callback` over `dependencies` whose last two arguments are the URL's pathname and search.

    Not called when its components first render unless `initial` (most parts arrive drawn already).
    """
    return app.callback(*dependencies, *URL_STATE, prevent_initial_call=not initial)


def with_search(app: Dash, *dependencies: DashDependency, initial: bool = False) -> Callable:
    """`app.callback` over `dependencies` whose last argument is the URL's search (language, kiosk)."""
    return app.callback(*dependencies, URL_STATE[1], prevent_initial_call=not initial)


def on_snapshot(app: Dash, context: AppContext, *outputs: Output, pages: tuple[str, ...] = (),
                also: tuple[Input, ...] = (), initial: bool = False) -> Callable:  # fmt: skip
    """Register `draw(snapshot, view)` to redraw `outputs` when a new snapshot arrives (or one of `also`
    fires) while one of `pages` (any, if none named) shows to a viewer who may see it."""
    nothing = no_update if len(outputs) == 1 else (no_update,) * len(outputs)

    def register(draw: Callable[[dict[str, Any], View], Any]) -> Callable:
        @with_url(app, *outputs, Input(ids.SNAPSHOT, "data"), *also, initial=initial)
        def redraw(stub: dict[str, Any] | None, *args: Any) -> Any:
            live = context.showing(stub, args[-2], args[-1], *pages)
            return nothing if live is None else draw(*live)

        return draw

    return register
