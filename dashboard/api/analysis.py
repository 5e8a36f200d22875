"""Analysis endpoints (issue 15): the callbacks behind a figure, and the downloads built on them.

`GET /api/v1/trace` answers JSON; `/api/v1/trace.xlsx` the same rows as a workbook; and
`/api/v1/pack.xlsx|pdf` the monthly meeting pack of one district. All case-level, so each takes
the viewer's scope (`dashboard.access.web.viewer_scope`, from the server's session) and answers
403 outside it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from flask import Blueprint, Response, jsonify, request
from sqlalchemy.exc import DBAPIError

from dashboard.access.web import viewer_scope
from dashboard.assessment.pack import MIMETYPES, build_pack, render_pack
from dashboard.assessment.trace import TraceDenied, trace_payload
from dashboard.assessment.trace_export import trace_xlsx
from dashboard.scope import Scope

if TYPE_CHECKING:
    from dashboard.runtime import Runtime

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _answer(make: Callable[[], Response]) -> tuple[Response, int] | Response:
    try:
        return make()
    except TraceDenied as exc:
        return jsonify({"error": str(exc)}), 403
    except ValueError as exc:
        return jsonify({"error": str(exc)}), 400
    except DBAPIError:
        return jsonify({"error": "the case database is unreachable; try again shortly"}), 503


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={filename}"})


def make_blueprint(runtime: Runtime, scope_of: Callable[[], Scope] = viewer_scope) -> Blueprint:
    bp = Blueprint("hotline_analysis", __name__)
    tz = runtime.settings.tz

    def trace_args() -> tuple[str, str, str, str]:
        args = request.args
        missing = [k for k in ("level", "code", "period", "date") if not args.get(k)]
        if missing:
            raise ValueError(
                f"missing parameter(s): {', '.join(missing)}; e.g. ?level=township&code=110101001&period=month"
                "&date=2026-10"
            )
        return args["level"], args["code"], args["period"], args["date"]

    def payload() -> dict:
        return trace_payload(runtime.engine, runtime.rules, *trace_args(), scope_of(), tz)

    @bp.get("/api/v1/trace")
    def trace_route():
        return _answer(lambda: jsonify(payload()))

    @bp.get("/api/v1/trace.xlsx")
    def trace_xlsx_route():
        def make() -> Response:
            body = payload()
            name = f"trace-{body['code']}-{body['date']}.xlsx"
            return _download(trace_xlsx(body, request.args.get("figure")), XLSX, name)

        return _answer(make)

    @bp.get("/api/v1/pack.<fmt>")
    def pack_route(fmt: str):
        def make() -> Response:
            district, month = request.args.get("district", ""), request.args.get("date", "")
            if fmt not in MIMETYPES:
                raise ValueError(f"format must be one of {', '.join(MIMETYPES)}, got {fmt!r}")
            pack = build_pack(runtime.engine, runtime.rules, district, month, scope_of(), datetime.now(UTC), tz)
            return _download(render_pack(pack, fmt), MIMETYPES[fmt], f"pack-{district}-{month}.{fmt}")

        return _answer(make)

    return bp
