"""Rate limits and budgets in Redis: one round trip to admit a call, one to settle it.

RPM/TPM limits are sliding windows (current and previous minute, weighted). A request costs 1 in
its RPM windows when admitted; its tokens count in its TPM windows when it settles (only then are
they known), so a TPM window admits calls while its tokens are under the limit. Budgets are integer
nano-USD hashes {spent, reserved}. The admit script checks every window a call is subject to
(tenant and key, requests and tokens) and then reserves the call's maximum cost on every budget
(tenant month, virtual key) or on none of them, so concurrent calls can never take spend past a
limit. The settle script turns the reservation into the actual spend and counts the call's tokens
in its TPM windows, and appends the call's ledger entry to a Redis Stream in the same atomic step
(`gateway.ledger` moves entries to PostgreSQL), so no settled spend is ever without its record.
"""

import time
from dataclasses import dataclass

from redis.asyncio import Redis

from gateway.budgets import Reservation
from gateway.ledger import STREAM

WINDOW = 60
_ADMIT = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local nwin = tonumber(ARGV[3])
local amount = tonumber(ARGV[4])
local bucket = math.floor(now / window)
local weight = 1 - (now - bucket * window) / window
for i = 1, nwin do
  local limit = tonumber(ARGV[3 + 2 * i])
  local cost = tonumber(ARGV[4 + 2 * i])
  local current = tonumber(redis.call('GET', KEYS[i] .. ':' .. bucket) or '0')
  local previous = tonumber(redis.call('GET', KEYS[i] .. ':' .. (bucket - 1)) or '0')
  local used = previous * weight + current
  if used + cost > limit or (cost == 0 and used >= limit) then
    return {1, i, math.ceil((bucket + 1) * window - now)}
  end
end
for i = 1, nwin do
  local cost = tonumber(ARGV[4 + 2 * i])
  if cost > 0 then
    redis.call('INCRBY', KEYS[i] .. ':' .. bucket, cost)
    redis.call('EXPIRE', KEYS[i] .. ':' .. bucket, window * 2)
  end
end
for i = nwin + 1, #KEYS do
  local limit = tonumber(ARGV[4 + 2 * nwin + i - nwin])
  if limit >= 0 then
    local used = tonumber(redis.call('HGET', KEYS[i], 'spent') or '0')
               + tonumber(redis.call('HGET', KEYS[i], 'reserved') or '0')
    if used + amount > limit then return {2, i - nwin, 0} end
  end
end
for i = nwin + 1, #KEYS do
  redis.call('HINCRBY', KEYS[i], 'reserved', amount)
  redis.call('EXPIRE', KEYS[i], 3456000)
end
return {0, 0, 0}
"""
_SETTLE = """
local nbudget = tonumber(ARGV[1])
for i = 2, nbudget + 1 do
  redis.call('HINCRBY', KEYS[i], 'reserved', -tonumber(ARGV[2]))
  redis.call('HINCRBY', KEYS[i], 'spent', ARGV[3])
end
local tokens = tonumber(ARGV[6])
if tokens > 0 then
  local window = tonumber(ARGV[5])
  local bucket = math.floor(tonumber(ARGV[4]) / window)
  for i = nbudget + 2, #KEYS do
    redis.call('INCRBY', KEYS[i] .. ':' .. bucket, tokens)
    redis.call('EXPIRE', KEYS[i] .. ':' .. bucket, window * 2)
  end
end
redis.call('XADD', KEYS[1], '*', 'row', ARGV[7])
return 0
"""


@dataclass(frozen=True)
class Window:
    """One limit to check: its Redis key prefix, the limit, and what this request costs now."""

    key: str
    limit: int
    cost: int


@dataclass(frozen=True)
class Refusal:
    """Why admission failed: a window (`kind="limit"`, seconds to wait) or a budget, by index."""

    kind: str
    index: int
    wait: int = 0


class Quota:
    """Admit and settle over one async Redis client (one script call each)."""

    def __init__(self, redis: Redis) -> None:
        self._admit = redis.register_script(_ADMIT)
        self._settle = redis.register_script(_SETTLE)

    async def admit(self, windows: list[Window], budgets: list[tuple[str, int]], amount: int,
                    tpm_keys: list[str]) -> Reservation | Refusal:
        """Count the request in its windows and hold `amount` on every budget, or refuse."""
        args: list[float] = [time.time(), WINDOW, len(windows), amount]
        for w in windows:
            args += [w.limit, w.cost]
        args += [limit for _, limit in budgets]
        keys = [w.key for w in windows] + [k for k, _ in budgets]
        kind, index, wait = await self._admit(keys=keys, args=args)
        if int(kind) == 1:
            return Refusal("limit", int(index) - 1, max(1, int(wait)))
        if int(kind) == 2:
            return Refusal("budget", int(index) - 1)
        return Reservation([k for k, _ in budgets], amount, tpm_keys)

    async def settle(self, reservation: Reservation, actual: int, tokens: int, entry: bytes) -> None:
        """Turn the reservation into the actual spend (0 releases it), count the call's tokens, and
        append its ledger entry; a reservation already settled only appends the entry."""
        keys, tpm = (reservation.keys, reservation.tpm_keys) if not reservation.done else ([], [])
        reservation.done = True
        await self._settle(keys=[STREAM, *keys, *tpm],
                           args=[len(keys), reservation.amount, actual, time.time(), WINDOW,
                                 tokens if tpm else 0, entry])
