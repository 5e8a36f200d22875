"""Caller numbers are never stored in clear (BRIEF section 4): only a keyed hash of them.

A keyed hash (HMAC-SHA256), not a plain one, because the space of mobile numbers is small enough
to reverse an unkeyed SHA-256 by brute force. Every writer (seed, simulator, importer, sync) uses
this one function with the deployment's key, so the same caller hashes the same way everywhere
and repeat complainants can be found across sources.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

_NOT_DIGIT = re.compile(r"\D")


def normalize_number(number: str) -> str:
    """Digits only, without the +86 / 0086 country prefix: `138-0013-8000` equals `+86 13800138000`."""
    digits = _NOT_DIGIT.sub("", number)
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 11:
            return digits[len(prefix) :]
    return digits


def hash_caller(number: str, key: str) -> str | None:
    """64 hex characters; the same normalised number and key always give the same value.

    A value with no digit at all (匿名, 保密, 无, unknown) is no number: None (missing), so all such
    callers never hash alike and never make a repeat complainant.
    """
    digits = normalize_number(number)
    if not digits:
        return None
    return hmac.new(key.encode(), digits.encode(), hashlib.sha256).hexdigest()


# Columns that hold a phone number, e-mail or a person's name (import headers, Open311 fields).
PERSONAL_HEADERS = frozenset({
    "caller", "来电号码", "电话", "联系电话", "手机号", "手机", "手机号码", "联系方式", "联系人", "姓名",
    "邮箱", "电子邮件",
    "phone", "email", "e-mail", "mobile", "tel", "telephone", "first_name", "last_name", "name", "contact",
})  # fmt: skip
# Numbers and addresses inside any other cell (free text, cells shifted by a stray delimiter).
_PERSONAL_TEXT = re.compile(
    r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?!\d)"  # mobile numbers
    r"|(?<![\d-])0\d{2,3}-\d{7,8}(?!\d)"  # landlines with an area code
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail addresses
)
REDACTED = "[已删除 removed]"


def scrub_personal(raw: dict[str, Any]) -> dict[str, Any]:
    """A rejected row fit to store: personal columns dropped, numbers and e-mails in other cells masked."""
    out = {}
    for key, value in raw.items():
        if str(key).strip().lower() in PERSONAL_HEADERS:
            continue
        out[key] = _scrub_value(value)
    return out


def _scrub_value(value: Any) -> Any:
    """Text masked; lists (extra cells of a row with too many fields) and nested records cell by cell."""
    if isinstance(value, str):
        return _PERSONAL_TEXT.sub(REDACTED, value)
    if isinstance(value, list):
        return [_scrub_value(v) for v in value]
    if isinstance(value, dict):
        return scrub_personal(value)
    return value
