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
