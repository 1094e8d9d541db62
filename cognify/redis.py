"""Redis clients (any Redis-protocol server: Redis, Valkey)."""

from functools import lru_cache

import redis
import redis.asyncio as aioredis

from cognify.errors import ConfigurationError
from cognify.settings import get_settings


def redis_url() -> str:
    """The configured Redis URL."""
    url = get_settings().redis_url
    if not url:
        raise ConfigurationError("REDIS_URL is not set (cognify up sets it for you)")
    return url


@lru_cache
def get_redis() -> redis.Redis:
    """A process-wide synchronous client."""
    return redis.Redis.from_url(redis_url(), health_check_interval=30)


def new_async_redis() -> aioredis.Redis:
    """An asyncio client; each event loop needs its own."""
    return aioredis.Redis.from_url(redis_url(), health_check_interval=30)
