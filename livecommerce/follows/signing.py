"""Webhook signatures: HMAC-SHA256 over ``<timestamp>.<body>`` with the endpoint's secret.

Each attempt is sent with::

    Livecommerce-Delivery:  dlv_...        the same on every attempt: the receiver's
                                           idempotency key
    Livecommerce-Event:     show.soon | show.starting
    Livecommerce-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "t.body")>

A receiver recomputes the HMAC over the raw body, compares in constant time, and refuses
a timestamp older than a few minutes (a replayed request).
"""

from __future__ import annotations

import hashlib
import hmac

TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(
    secret: str, header: str, body: bytes, *, now: float, tolerance: int = TOLERANCE_SECONDS
) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` and is recent."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields.get("t", ""))
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    return hmac.compare_digest(expected, f"t={timestamp},v1={fields.get('v1', '')}")
