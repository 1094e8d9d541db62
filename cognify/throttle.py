"""Failure throttling for sign-in and signed webhooks: sliding windows in Redis, exact under concurrency.

Each guarded attempt first **reserves** a slot in every window that applies to it (a member of a
sorted set scored by time), atomically in one Lua script, so twenty parallel wrong passwords against
a limit of five get exactly five password checks. A failed attempt keeps its slot (it is the failure
record); a successful one gives it back and, for an account, clears the account's failures. Over a
limit the attempt is refused before any check, with the seconds until the oldest failure leaves the
window.
"""

import hashlib
import math
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

from redis.commands.core import Script
from starlette.requests import Request

from cognify.errors import RateLimited
from cognify.redis import get_redis

PREFIX = "cognify:throttle:"
_RESERVE = """
local now, member = tonumber(ARGV[1]), ARGV[2]
local wait = 0
for i, key in ipairs(KEYS) do
  local limit, window = tonumber(ARGV[1 + 2 * i]), tonumber(ARGV[2 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  if redis.call('ZCARD', key) >= limit then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    wait = math.max(wait, tonumber(oldest[2]) + window - now)
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, tonumber(ARGV[2 + 2 * i]))
end
return 0
"""
TOO_MANY = "Too many failed attempts; try again later"


@dataclass(frozen=True)
class Window:
    """At most `limit` failures per `seconds` for one key."""

    key: str
    limit: int
    seconds: int


class Throttled(RateLimited):
    """Over a failure limit: 429 `too_many_attempts` with `Retry-After`."""

    code = "too_many_attempts"

    def __init__(self, retry_after: int) -> None:
        super().__init__(TOO_MANY, headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after


def account_key(tenant: str, email: str) -> str:
    """The window of one sign-in name in one tenant (existing or not; the email is hashed)."""
    digest = hashlib.sha256(f"{tenant.strip().lower()}\0{email.strip().lower()}".encode()).hexdigest()
    return f"{PREFIX}login:account:{digest[:32]}"


def client_address(request: Request) -> str:
    """The caller's address (uvicorn takes it from `X-Forwarded-For` behind trusted proxies)."""
    return request.client.host if request.client else "unknown"


def address_key(kind: str, address: str) -> str:
    """The window of one client address for one kind of attempt (`login`, `webhook`)."""
    return f"{PREFIX}{kind}:address:{address}"


@lru_cache
def _reserve() -> Script:
    return get_redis().register_script(_RESERVE)


class Attempt:
    """A reserved attempt; unless `succeeded()` is called it stays counted as a failure."""

    def __init__(self, windows: list[Window], member: str) -> None:
        self.windows = windows
        self.member = member

    def succeeded(self, clear: tuple[str, ...] = ()) -> None:
        """Give the slot back, and forget the failures of the `clear` keys."""
        pipe = get_redis().pipeline()
        for window in self.windows:
            pipe.zrem(window.key, self.member)
        for key in clear:
            pipe.delete(key)
        pipe.execute()


@contextmanager
def guarded(windows: list[Window]) -> Iterator[Attempt]:
    """Reserve an attempt in every window, or raise `Throttled` (429) when one is full."""
    now = int(time.time() * 1000)
    member = f"{now}:{uuid.uuid4().hex}"
    args: list[int | str] = [now, member]
    for window in windows:
        args += [window.limit, window.seconds * 1000]
    wait = int(_reserve()(keys=[w.key for w in windows], args=args))
    if wait > 0:
        raise Throttled(max(1, math.ceil(wait / 1000)))
    yield Attempt(windows, member)


def failures(window: Window) -> tuple[int, int | None]:
    """Failures in the window now, and the seconds until it admits again when it is full."""
    now = int(time.time() * 1000)
    redis = get_redis()
    redis.zremrangebyscore(window.key, "-inf", now - window.seconds * 1000)
    count = int(redis.zcard(window.key))
    if count < window.limit:
        return count, None
    oldest = redis.zrange(window.key, 0, 0, withscores=True)
    return count, max(1, math.ceil((oldest[0][1] + window.seconds * 1000 - now) / 1000)) if oldest else None


def clear(key: str) -> None:
    """Forget a window's failures (an admin's unlock)."""
    get_redis().delete(key)
