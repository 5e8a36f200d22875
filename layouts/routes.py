"""URL paths of the product: which page a path shows, and with which argument (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

LEADERSHIP_PAGES = ("whatif", "alerts", "screens")  # admin and leader only (callbacks/context.py)
PAGES = ("overview", "map", "sla", "rankings", "district", "township", *LEADERSHIP_PAGES)
_UNIT = re.compile(r"^/(district|township)/(\d{6}|\d{9})/?$")


@dataclass(frozen=True)
class View:
    page: str  # one of PAGES, or "not_found"
    arg: str | None  # district or township code for unit pages
    lang: str
    kiosk: bool
    theme: str
    query: dict[str, str]

    @property
    def path(self) -> str:
        return "/" if self.page == "overview" else f"/{self.page}" + (f"/{self.arg}" if self.arg else "")


def parse_view(pathname: str | None, search: str | None) -> View:
    """Page, language, wall (kiosk) mode and theme from the URL; every view is linkable."""
    query = {k: v[0] for k, v in parse_qs((search or "").lstrip("?")).items()}
    kiosk = query.get("kiosk") in ("1", "true", "yes")
    theme = query.get("theme") or ("dark" if kiosk else "light")
    path = (pathname or "/").rstrip("/") or "/"
    page, arg = "not_found", None
    if path == "/":
        page = "overview"
    elif path.lstrip("/") in ("map", "sla", "rankings", *LEADERSHIP_PAGES):
        page = path.lstrip("/")
    elif match := _UNIT.match(path):
        page, arg = match.group(1), match.group(2)
    return View(
        page=page,
        arg=arg,
        lang="en" if query.get("lang") == "en" else "zh",
        kiosk=kiosk,
        theme=theme if theme in ("dark", "light") else "light",
        query=query,
    )


def page_class(view: View) -> str:
    return f"page theme-{view.theme} page-{view.page}" + (" kiosk" if view.kiosk else "")


def query_value(view: View, key: str, allowed: tuple[Any, ...], default: Any) -> Any:
    value = view.query.get(key, default)
    return value if value in allowed else default
