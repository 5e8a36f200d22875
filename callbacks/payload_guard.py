"""Refuse malformed Dash callback requests with 400 before Dash parses them.

Dash trusts `/_dash-update-component` bodies: a wrong shape (not an object, an unknown output, a
missing or miscounted input list) ends in a KeyError/IndexError, a 500 and a traceback in the log
(issue 14). Browsers running our own renderer never send those, so anything that does not match
the registered callback's shape is answered 400 with a one-line JSON reason and logged at INFO.

A well-shaped request can still carry values no screen sends (a number where the store holds an
object): the callback then fails on its input with a TypeError/KeyError/... That, too, is answered
400 and logged as one WARNING line naming the callback and the error, not as a traceback.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, request

PATH_SUFFIX = "/_dash-update-component"
INPUT_ERRORS = (TypeError, AttributeError, KeyError, IndexError, ValueError)
log = logging.getLogger(__name__)


def _dependency(item: Any) -> bool:
    """One input/state entry: {"id", "property", ...}, or a list of them (pattern-matching ALL)."""
    if isinstance(item, list):
        return all(_dependency(x) for x in item)
    return isinstance(item, dict) and "id" in item and isinstance(item.get("property"), str)


def output_ids(output: str) -> list[str]:
    """`..a.children...b.className..` (several outputs) or `a.children` (one) -> the output ids."""
    return output[2:-2].split("...") if output.startswith("..") and output.endswith("..") else [output]


def problem(body: Any, callbacks: Mapping[str, Mapping[str, Any]]) -> str | None:
    """Why `body` is not a callback request for one of `callbacks` (None when it is well-formed)."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    output = body.get("output")
    if not isinstance(output, str) or output not in callbacks:
        return "unknown callback output"
    spec = callbacks[output]
    for key in ("inputs", "state"):
        given, expected = body.get(key, []), spec.get(key, [])
        if not isinstance(given, list) or len(given) != len(expected) or not all(map(_dependency, given)):
            return f"{key} must list the callback's {len(expected)} {key}"
    outputs, wanted = body.get("outputs"), len(output_ids(output))
    if wanted > 1 and not (isinstance(outputs, list) and len(outputs) == wanted and all(map(_dependency, outputs))):
        return f"outputs must list the callback's {wanted} outputs"
    if wanted == 1 and not (_dependency(outputs) or (isinstance(outputs, list) and len(outputs) <= 1)):
        return "outputs must name the callback's output"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(x, str) for x in changed):
        return "changedPropIds must be a list of strings"
    return None


def _refuse(reason: str) -> Response:
    return Response(json.dumps({"error": f"malformed callback request: {reason}"}), 400, mimetype="application/json")


def _guard_values(server: Flask) -> None:
    """Answer 400 when a callback fails on a value it was sent (the input errors bad payloads cause)."""
    endpoint = next(r.endpoint for r in server.url_map.iter_rules() if r.rule.endswith(PATH_SUFFIX))
    dispatch = server.view_functions[endpoint]

    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return dispatch(*args, **kwargs)
        except INPUT_ERRORS as exc:
            output = (request.get_json(silent=True) or {}).get("output")
            log.warning("callback %s failed on its input: %s: %s", output, exc.__class__.__name__, exc)
            return _refuse(f"the callback cannot use the values sent ({exc.__class__.__name__})")

    server.view_functions[endpoint] = guarded


def install(server: Flask, callbacks: Mapping[str, Mapping[str, Any]]) -> None:
    """Check every callback request against `callbacks` (the Dash app's `callback_map`)."""
    _guard_values(server)

    @server.before_request
    def refuse_malformed_callbacks() -> Response | None:
        if request.method != "POST" or not request.path.endswith(PATH_SUFFIX):
            return None
        try:
            body = json.loads(request.get_data(cache=True) or b"null")
        except (ValueError, UnicodeDecodeError):
            body = None
        reason = "the body is not JSON" if body is None else problem(body, callbacks)
        if reason is None:
            return None
        log.info("refused a malformed callback request from %s: %s", request.remote_addr, reason)
        return _refuse(reason)
