"""Thin Dash wiring: each callback hands off to a plain function that tests call directly."""

from __future__ import annotations

from dash import Dash

from callbacks import overview


def register_callbacks(app: Dash, context) -> None:
    overview.register(app, context)
