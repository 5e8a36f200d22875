"""Placeholder until the page lands."""

from __future__ import annotations

from dash import Dash


def register(app: Dash, context) -> None:
    return None
