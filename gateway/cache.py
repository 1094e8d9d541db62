"""Exact-match response cache, scoped by tenant: the key hashes the tenant id with the request."""

import hashlib
from typing import Any
from uuid import UUID

import orjson
from redis.asyncio import Redis

_UNCACHED = frozenset({"stream", "stream_options", "user", "cache", "metadata"})


def cache_key(tenant_id: UUID, group: str, body: dict[str, Any]) -> str:
    """A key no other tenant can produce."""
    relevant = {k: v for k, v in body.items() if k not in _UNCACHED}
    digest = hashlib.sha256(orjson.dumps([str(tenant_id), group, relevant], option=orjson.OPT_SORT_KEYS))
    return f"gw:cache:{tenant_id}:{digest.hexdigest()}"


class ResponseCache:
    """Get and put whole chat responses."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def get(self, key: str) -> dict[str, Any] | None:
        """The cached response, if any."""
        raw = await self.redis.get(key)
        return orjson.loads(raw) if raw else None

    async def put(self, key: str, response: dict[str, Any], ttl: int) -> None:
        """Store a response for `ttl` seconds."""
        await self.redis.set(key, orjson.dumps(response), ex=ttl)
