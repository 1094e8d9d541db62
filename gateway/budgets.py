"""Budgets in Redis: reserve a call's maximum cost atomically, settle to the actual cost after.

Amounts are integer nano-USD. Each budget is a hash {spent, reserved}; one Lua script checks and
reserves every budget a call is subject to (tenant month, virtual key) or none of them, so
concurrent calls can never take spend past a limit. Settle moves the reservation to spend.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

from redis.asyncio import Redis

from gateway.router import NANO

_RESERVE = """
for i = 1, #KEYS do
  local limit = tonumber(ARGV[i + 1])
  if limit >= 0 then
    local used = tonumber(redis.call('HGET', KEYS[i], 'spent') or '0')
               + tonumber(redis.call('HGET', KEYS[i], 'reserved') or '0')
    if used + tonumber(ARGV[1]) > limit then return i end
  end
end
for i = 1, #KEYS do
  redis.call('HINCRBY', KEYS[i], 'reserved', ARGV[1])
  redis.call('EXPIRE', KEYS[i], 3456000)
end
return 0
"""
_SETTLE = """
for i = 1, #KEYS do
  redis.call('HINCRBY', KEYS[i], 'reserved', -tonumber(ARGV[1]))
  redis.call('HINCRBY', KEYS[i], 'spent', ARGV[2])
end
return 0
"""


def tenant_budget_key(tenant_id: UUID, now: datetime | None = None) -> str:
    """The Redis key of a tenant's budget for the current calendar month (UTC)."""
    month = (now or datetime.now(UTC)).strftime("%Y-%m")
    return f"gw:budget:t:{tenant_id}:{month}"


def key_budget_key(key_id: UUID) -> str:
    """The Redis key of a virtual key's lifetime budget."""
    return f"gw:budget:k:{key_id}"


def to_nano(usd: Decimal | None) -> int:
    """USD as integer nano-USD; -1 for no limit."""
    return -1 if usd is None else int(usd * NANO)


@dataclass
class Reservation:
    """Money held for one call; settle or release exactly once."""

    keys: list[str]
    amount: int
    done: bool = False


class Budgets:
    """Reserve/settle over one async Redis client."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._reserve = redis.register_script(_RESERVE)
        self._settle = redis.register_script(_SETTLE)

    async def reserve(self, budgets: list[tuple[str, int]], amount: int) -> tuple[Reservation | None, int]:
        """Hold `amount` on every budget, or on none; (reservation, index of the refusing budget)."""
        keys = [k for k, _ in budgets]
        refused = int(await self._reserve(keys=keys, args=[amount, *[limit for _, limit in budgets]]))
        if refused:
            return None, refused - 1
        return Reservation(keys, amount), -1

    async def settle(self, reservation: Reservation, actual: int) -> None:
        """Turn the reservation into the actual spend (0 releases it)."""
        if reservation.done:
            return
        reservation.done = True
        await self._settle(keys=reservation.keys, args=[reservation.amount, actual])

    async def usage(self, key: str) -> tuple[int, int]:
        """(spent, reserved) in nano-USD."""
        spent, reserved = await self.redis.hmget(key, ["spent", "reserved"])
        return int(spent or 0), int(reserved or 0)
