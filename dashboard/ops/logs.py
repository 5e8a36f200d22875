"""Structured logs: one JSON object per line per event, each with the request (or tick) id.

`configure_logging()` is called once by `app.py` and by `python -m dashboard poller`; the format
is JSON unless `HOTLINE_LOG_FORMAT=text` (for a developer's terminal). `install_request_ids(server)`
gives every HTTP request an id (the caller's `X-Request-Id` if it sends a sane one, else a new one),
echoes it in the response and writes one access line per request (at INFO for 4xx/5xx, DEBUG for
the rest: 50 wall viewers would otherwise write 1.7 M lines a day; `HOTLINE_ACCESS_LOG=all` logs
all at INFO); the poller tags each tick.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import IO

from flask import Flask, Response, g, request

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
access_log = logging.getLogger("hotline.access")
ACCESS_ALL = os.environ.get("HOTLINE_ACCESS_LOG", "") == "all"
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """{"ts", "level", "logger", "msg", "request_id", ...extra fields, "exc"} on one line."""

    def format(self, record: logging.LogRecord) -> str:
        event = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or REQUEST_ID.get(),
        }
        event.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD and k != "request_id"})
        if record.exc_info:
            event["exc"] = self.formatException(record.exc_info)  # newlines escaped by json: still one line
        return json.dumps(event, ensure_ascii=False, default=str)


def configure_logging(level: str | None = None, stream: IO[str] | None = None, fmt: str | None = None) -> None:
    """Replace the root handlers with one that writes JSON lines (or plain text) to `stream`."""
    fmt = fmt or os.environ.get("HOTLINE_LOG_FORMAT", "json")
    handler = logging.StreamHandler(stream or sys.stderr)
    if fmt == "text":
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    else:
        handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level or os.environ.get("HOTLINE_LOG_LEVEL", "INFO"))
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # our access line replaces werkzeug's


@contextmanager
def tagged(request_id: str) -> Iterator[None]:
    """Log lines inside carry `request_id` (the poller uses one per tick)."""
    token = REQUEST_ID.set(request_id)
    try:
        yield
    finally:
        REQUEST_ID.reset(token)


def install_request_ids(server: Flask) -> None:
    @server.before_request
    def start_request() -> None:
        given = request.headers.get("X-Request-Id", "")
        g.request_id = given if _SANE_ID.match(given) else uuid.uuid4().hex
        g.request_token = REQUEST_ID.set(g.request_id)
        g.request_started = time.perf_counter()

    @server.after_request
    def finish_request(response: Response) -> Response:
        request_id = g.get("request_id")
        if request_id is None:
            return response
        response.headers["X-Request-Id"] = request_id
        status = response.status_code
        level = logging.WARNING if status >= 500 else logging.INFO if status >= 400 or ACCESS_ALL else logging.DEBUG
        access_log.log(
            level, "%s %s %s", request.method, request.path, status,
            extra={"method": request.method, "path": request.path, "status": status,
                   "ms": round((time.perf_counter() - g.request_started) * 1000, 1)},
        )  # fmt: skip
        return response

    @server.teardown_request
    def forget_request(_exc: BaseException | None) -> None:
        token = g.pop("request_token", None)
        if token is not None:
            REQUEST_ID.reset(token)
