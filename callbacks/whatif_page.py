"""The what-if page (/whatif, for admin and leader): preview a changed rules file on a past month.

`preview` is the plain function behind the button (tests call it); it reads only, so the official
numbers never change. Who may open the page is the access layer's decision (issue 12).
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from dash import Dash, Input, Output, State, no_update

from callbacks.context import AppContext
from callbacks.wiring import with_search
from dashboard.access.web import viewer_leads, viewer_scope
from dashboard.assessment.periods import assessment_day, month_of_day
from dashboard.assessment.rules import RulesError, rules_from_bytes
from dashboard.assessment.whatif import compare
from dashboard.scope import Scope
from layouts import ids, whatif
from layouts.rankings import month_choices
from layouts.routes import parse_view

MONTHS = 12


def past_months(runtime, now: datetime) -> list[str]:
    """The last complete months, newest first."""
    rules = runtime.rules
    current = month_of_day(assessment_day(now, rules, runtime.settings.tz), rules)
    return month_choices(current.previous(rules).label, MONTHS)


def preview(runtime, text: str, month: str, level: str, scope: Scope, lang: str) -> list[Any]:
    """The result view, or the first error (a bad rules file names its field)."""
    try:
        candidate = rules_from_bytes((text or "").encode("utf-8"), "the edited rules")
        return whatif.result_view(compare(runtime.engine, runtime.rules, candidate, month, level, scope), lang)
    except (RulesError, ValueError) as exc:
        return whatif.error_view(str(exc))


def upload_text(contents: str | None) -> str | None:
    """The text of an uploaded file (a data: URL), or None when it is not UTF-8."""
    if not contents or "," not in contents:
        return None
    try:
        return base64.b64decode(contents.split(",", 1)[1]).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None


def register(app: Dash, context: AppContext) -> None:
    runtime = context.runtime

    def build(view, _context):
        text = runtime.settings.rules_path.read_text("utf-8")
        return whatif.page(text, past_months(runtime, datetime.now(UTC)), view.lang)

    context.pages["whatif"] = build

    @app.callback(Output(ids.WHATIF_RULES, "value"), Input(ids.WHATIF_UPLOAD, "contents"), prevent_initial_call=True)
    def uploaded(contents):
        text = upload_text(contents)
        return no_update if text is None else text

    @with_search(app, Output(ids.WHATIF_RESULT, "children"), Input(ids.WHATIF_RUN, "n_clicks"),
                 State(ids.WHATIF_RULES, "value"), State(ids.WHATIF_MONTH, "value"),
                 State(ids.WHATIF_LEVEL, "value"))  # fmt: skip
    def run(n_clicks, text, month, level, search):
        if not n_clicks or not month or not viewer_leads():  # a forged call from another role gets nothing
            return no_update
        return preview(runtime, text, month, level, viewer_scope(), parse_view("/whatif", search).lang)
