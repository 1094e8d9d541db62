"""RPM and TPM limits: sliding-window counters in Redis (current and previous minute, weighted).

One Lua call checks every window a request is subject to (tenant and key, requests and tokens)
and, if all pass, counts the request; tokens are added after the call from its actual usage.
"""

import time
from dataclasses import dataclass

from redis.asyncio import Redis

WINDOW = 60
_CHECK = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local bucket = math.floor(now / window)
local weight = 1 - (now - bucket * window) / window
for i = 1, #KEYS do
  local limit = tonumber(ARGV[2 + 2 * i - 1])
  local cost = tonumber(ARGV[2 + 2 * i])
  local current = tonumber(redis.call('GET', KEYS[i] .. ':' .. bucket) or '0')
  local previous = tonumber(redis.call('GET', KEYS[i] .. ':' .. (bucket - 1)) or '0')
  if previous * weight + current + cost > limit then
    return {i, math.ceil((bucket + 1) * window - now)}
  end
end
for i = 1, #KEYS do
  local cost = tonumber(ARGV[2 + 2 * i])
  if cost > 0 then
    redis.call('INCRBY', KEYS[i] .. ':' .. bucket, cost)
    redis.call('EXPIRE', KEYS[i] .. ':' .. bucket, window * 2)
  end
end
return {0, 0}
"""
_ADD = """
local bucket = math.floor(tonumber(ARGV[1]) / tonumber(ARGV[2]))
for i = 1, #KEYS do
  redis.call('INCRBY', KEYS[i] .. ':' .. bucket, ARGV[3])
  redis.call('EXPIRE', KEYS[i] .. ':' .. bucket, tonumber(ARGV[2]) * 2)
end
return 0
"""


@dataclass(frozen=True)
class Window:
    """One limit to check: its Redis key prefix, the limit, and what this request costs now."""

    key: str
    limit: int
    cost: int


class Limits:
    """Sliding-window checks over one async Redis client."""

    def __init__(self, redis: Redis) -> None:
        self._check = redis.register_script(_CHECK)
        self._add = redis.register_script(_ADD)

    async def check(self, windows: list[Window]) -> tuple[int, int]:
        """(index of the refusing window or -1, seconds to wait)."""
        if not windows:
            return -1, 0
        args: list[float] = [time.time(), WINDOW]
        for w in windows:
            args += [w.limit, w.cost]
        refused, wait = await self._check(keys=[w.key for w in windows], args=args)
        return int(refused) - 1, max(1, int(wait))

    async def add_tokens(self, keys: list[str], tokens: int) -> None:
        """Count a finished call's tokens in its TPM windows."""
        if keys and tokens > 0:
            await self._add(keys=keys, args=[time.time(), WINDOW, tokens])
