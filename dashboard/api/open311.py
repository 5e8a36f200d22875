"""Open311 GeoReport v2, read-only (BRIEF 5): services, request lists and single requests, as JSON.

Mapping (documented in docs/deploy.md, "Open311"):
- services are the category taxonomy's leaves: one service per (category, subcategory) seen in
  the cases table; `service_code` is "category/subcategory" (just "category" when there is no
  subcategory), `group` is the category;
- `status` is `open` until the township reports the case solved (our open / responded), then
  `closed` (resolved / closed); `status_notes` gives the finer state;
- `expected_datetime` is the resolve deadline (an approved extension replaces it);
- `agency_responsible` is the township the order was dispatched to; `district`, `township` (codes)
  and `urgency` are extensions, named like the import contract so our own importer reads them back.

No personal data: the caller hash is never read; the free-text description (it often holds names,
phone and ID numbers) is replaced by the service name; the address is the district and township
only (a citizen's own address identifies them), and `lat`/`long` are rounded to 3 decimals (~100 m).

These endpoints query the database (an integration API, not a screen): the list is an indexed
range on `received_at`, newest first, at most 1000 rows; a single request is a primary-key lookup.
Requests are case-level data: each answer is limited to the viewer's districts (a wall token gets
403); `service_code` takes at most 50 codes, each from the service list; on PostgreSQL every query
runs under a statement timeout.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, jsonify, make_response, request
from sqlalchemy import Engine, Select, and_, func, or_, select
from sqlalchemy.exc import DBAPIError

from dashboard.access.web import viewer_scope
from dashboard.assessment.periods import OutOfRangeError, check_supported_year
from dashboard.scope import Scope
from dashboard.store.db import limit_statement_time
from dashboard.store.schema import Case, District, Township

if TYPE_CHECKING:
    from dashboard.runtime import Runtime

MAX_REQUESTS = 1000
MAX_SERVICE_CODES = 50
WINDOW = timedelta(days=90)
SERVICES_TTL_SECONDS = 600  # the taxonomy changes with imports, not by the second
STATUS_OF = {"open": "open", "responded": "open", "resolved": "closed", "closed": "closed"}
STATUS_NOTES = {
    "open": "已派单，待联系 dispatched, awaiting first contact",
    "responded": "已联系，办理中 contacted, in progress",
    "resolved": "已办结，待回访 resolved, awaiting callback",
    "closed": "已回访 called back",
}
COORD_DECIMALS = 3


class Open311Error(ValueError):
    """A bad request parameter; reported as GeoReport's error list with HTTP 400."""


def service_code(category: str, subcategory: str | None) -> str:
    return f"{category}/{subcategory}" if subcategory else category


def _split_code(code: str) -> tuple[str, str | None]:
    category, _, subcategory = code.partition("/")
    return category, subcategory or None


def list_services(engine: Engine) -> list[dict[str, Any]]:
    """Every (category, subcategory) in the cases table as a GeoReport service, most used first."""
    query = (
        select(Case.category, Case.subcategory, func.count().label("n"))
        .group_by(Case.category, Case.subcategory)
        .order_by(func.count().desc(), Case.category, Case.subcategory)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        {
            "service_code": service_code(category, subcategory),
            "service_name": subcategory or category,
            "description": f"{category} · {subcategory}" if subcategory else category,
            "metadata": False,
            "type": "realtime",
            "keywords": ",".join(filter(None, (category, subcategory))),
            "group": category,
        }
        for category, subcategory, _ in rows
    ]


_COLUMNS = (
    Case.case_id, Case.status, Case.category, Case.subcategory, Case.urgency, Case.received_at, Case.updated_at,
    Case.resolve_due_at, Case.lat, Case.lon, Case.district_code, Case.township_code,
    Township.name.label("township_name"), District.name.label("district_name"),
)  # fmt: skip


def _base_query() -> Select:
    return (
        select(*_COLUMNS)
        .outerjoin(Township, Township.code == Case.township_code)
        .outerjoin(District, District.code == Case.district_code)
    )


def _time(value: datetime | None, tz: ZoneInfo) -> str | None:
    return None if value is None else value.astimezone(tz).isoformat(timespec="seconds")


def _coord(value: float | None) -> float | None:
    return None if value is None else round(float(value), COORD_DECIMALS)


def request_record(row: Any, tz: ZoneInfo) -> dict[str, Any]:
    """One case as a GeoReport v2 request (no personal data; see the module docstring)."""
    place = " ".join(filter(None, (row.district_name, row.township_name)))
    return {
        "service_request_id": row.case_id,
        "status": STATUS_OF.get(row.status, "open"),
        "status_notes": STATUS_NOTES.get(row.status),
        "service_name": row.subcategory or row.category,
        "service_code": service_code(row.category, row.subcategory),
        "description": f"{row.category} · {row.subcategory}" if row.subcategory else row.category,
        "agency_responsible": row.township_name or row.township_code,
        "service_notice": None,
        "requested_datetime": _time(row.received_at, tz),
        "updated_datetime": _time(row.updated_at, tz),
        "expected_datetime": _time(row.resolve_due_at, tz),
        "address": place or None,
        "address_id": None,
        "zipcode": None,
        "lat": _coord(row.lat),
        "long": _coord(row.lon),
        "media_url": None,
        "district": row.district_code,
        "township": row.township_code,
        "urgency": row.urgency,
    }


def _csv(args: dict[str, str], name: str) -> list[str]:
    return [v.strip() for v in (args.get(name) or "").split(",") if v.strip()]


def _instant(raw: str, name: str, tz: ZoneInfo) -> datetime:
    try:
        value = datetime.fromisoformat(raw.strip())
        check_supported_year(value, name)
    except OutOfRangeError as exc:
        raise Open311Error(str(exc)) from None
    except ValueError:
        raise Open311Error(f"{name} must be ISO 8601, e.g. 2026-10-01T00:00:00+08:00, got {raw!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=tz)


def _window(args: dict[str, str], tz: ZoneInfo, now: datetime) -> tuple[datetime, datetime]:
    """start/end from the query; the default and the maximum span are 90 days (GeoReport v2)."""
    start = _instant(args["start_date"], "start_date", tz) if args.get("start_date") else None
    end = _instant(args["end_date"], "end_date", tz) if args.get("end_date") else None
    if start is None and end is None:
        end = now
    start = start or end - WINDOW
    end = end or start + WINDOW
    if end < start:
        raise Open311Error("end_date is before start_date")
    if end - start > WINDOW:
        raise Open311Error("start_date to end_date may not span more than 90 days")
    return start, end


def _service_codes(args: dict[str, str], known: set[str] | None) -> list[str]:
    codes = _csv(args, "service_code")
    if len(codes) > MAX_SERVICE_CODES:
        raise Open311Error(f"service_code takes at most {MAX_SERVICE_CODES} codes, got {len(codes)}")
    unknown = [c for c in codes if known is not None and c not in known]
    if unknown:
        raise Open311Error(f"unknown service_code(s): {', '.join(unknown[:5])} (see services.json)")
    return codes


def find_requests(engine: Engine, args: dict[str, str], tz: ZoneInfo, now: datetime, scope: Scope | None = None,
                  known_codes: set[str] | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """requests.json: by `service_request_id` (comma list; overrides the rest) or by window, status
    and service_code; newest first, at most 1000 (or `limit` if smaller); only within `scope`."""
    ids = _csv(args, "service_request_id")
    query = _base_query().where((scope or Scope.all()).where(Case.district_code))
    if ids:
        query = query.where(Case.case_id.in_(ids[:MAX_REQUESTS]))
    else:
        start, end = _window(args, tz, now)
        query = query.where(Case.received_at >= start, Case.received_at <= end)
        statuses = _csv(args, "status")
        unknown = sorted(set(statuses) - {"open", "closed"})
        if unknown:
            raise Open311Error(f"status must be open and/or closed, got {', '.join(unknown)}")
        if statuses:
            query = query.where(Case.status.in_([s for s, mapped in STATUS_OF.items() if mapped in statuses]))
        codes = _service_codes(args, known_codes)
        if codes:
            query = query.where(or_(*(_service_filter(code) for code in codes)))
    try:
        limit = min(int(args.get("limit") or MAX_REQUESTS), MAX_REQUESTS)
    except ValueError:
        raise Open311Error(f"limit must be a whole number, got {args.get('limit')!r}") from None
    query = query.order_by(Case.received_at.desc(), Case.case_id).limit(max(limit, 1))
    with engine.connect() as conn:
        limit_statement_time(conn)
        return [request_record(row, tz) for row in conn.execute(query)]


def _service_filter(code: str):
    """Exactly the cases of one service: a code without "/" means a category with no subcategory."""
    category, subcategory = _split_code(code)
    return and_(Case.category == category,
                Case.subcategory == subcategory if subcategory else Case.subcategory.is_(None))  # fmt: skip


def find_request(engine: Engine, case_id: str, tz: ZoneInfo, scope: Scope | None = None) -> dict[str, Any] | None:
    query = _base_query().where(Case.case_id == case_id, (scope or Scope.all()).where(Case.district_code))
    with engine.connect() as conn:
        limit_statement_time(conn)
        row = conn.execute(query).first()
    return None if row is None else request_record(row, tz)


def _errors(code: int, description: str):
    """GeoReport's error format: a list of {code, description}."""
    return jsonify([{"code": code, "description": description}]), code


class _Timed:
    """One value recomputed at most every `ttl` seconds (the services list), shared by the worker's threads."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._value: Any = None
        self._at = float("-inf")
        self._lock = threading.Lock()

    def get(self, make) -> Any:
        with self._lock:
            if time.monotonic() - self._at >= self.ttl:
                self._value, self._at = make(), time.monotonic()
            return self._value


def make_blueprint(runtime: Runtime) -> Blueprint:
    bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
    tz = runtime.settings.tz
    services = _Timed(SERVICES_TTL_SECONDS)

    @bp.errorhandler(Open311Error)
    def bad_parameter(exc: Open311Error):
        return _errors(400, str(exc))

    @bp.errorhandler(DBAPIError)
    def database_down(_exc: DBAPIError):
        return _errors(503, "the case database is unreachable; try again shortly")

    def service_list() -> list[dict[str, Any]]:
        return services.get(lambda: list_services(runtime.engine))

    def case_scope() -> Scope:
        scope = viewer_scope()
        if scope.aggregates_only:
            abort(make_response(_errors(403, "this viewer sees aggregates only: no service requests")))
        return scope

    @bp.get("/services.json")
    def services_route():
        return jsonify(service_list())

    @bp.get("/requests.json")
    def requests_route():
        scope = case_scope()
        known = {s["service_code"] for s in service_list()}
        return jsonify(find_requests(runtime.engine, request.args.to_dict(), tz, datetime.now(UTC), scope, known))

    @bp.get("/requests/<path:case_id>.json")
    def request_route(case_id: str):
        found = find_request(runtime.engine, case_id, tz, case_scope())
        if found is None:
            return _errors(404, f"no service request with id {case_id}")
        return jsonify([found])

    return bp
