"""Webhook signatures: `X-Cognify-Signature: t=<unix>,v1=<hex>` over `"<t>." + raw body`.

A delivery is accepted once: the timestamp must be within the tolerance, and the signature is
remembered in Redis (SET NX) for twice the tolerance, so a replay inside the window is refused.
"""

import hashlib
import hmac
import time

from cognify.redis import get_redis

HEADER = "X-Cognify-Signature"


class SignatureError(Exception):
    """Why a delivery was refused (logged, never shown to the caller)."""


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The header value for a body: what a sender (or a test) puts in X-Cognify-Signature."""
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def _parse(header: str) -> tuple[int, list[str]]:
    parts = [p.strip().split("=", 1) for p in header.split(",") if "=" in p]
    timestamps = [v for k, v in parts if k == "t"]
    signatures = [v for k, v in parts if k == "v1"]
    if len(timestamps) != 1 or not signatures or not timestamps[0].isdigit():
        raise SignatureError("malformed signature header")
    return int(timestamps[0]), signatures


def verify(secret: str, body: bytes, header: str | None, tolerance_s: int, scope: str) -> None:
    """Raise SignatureError unless the header signs the body, is fresh, and was not seen before."""
    if not header:
        raise SignatureError("missing signature")
    timestamp, signatures = _parse(header)
    if abs(time.time() - timestamp) > tolerance_s:
        raise SignatureError("stale timestamp")
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    match = next((s for s in signatures if hmac.compare_digest(s, expected)), None)
    if match is None:
        raise SignatureError("signature mismatch")
    if not get_redis().set(f"webhook:nonce:{scope}:{match}", "1", nx=True, ex=2 * tolerance_s):
        raise SignatureError("replayed delivery")
