"""Virtual keys: `ck-...` secrets shown once, stored as SHA-256, cached in Redis, revoked at once.

Authentication reads `gw:key:<hash>` from Redis (one GET); on a miss it reads the row as the owner
role (the caller's tenant is not known yet) and caches it. Revoking writes a tombstone to that
cache key in the same request, so every process refuses the key from then on.
"""

import hashlib
import secrets
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

import orjson
from redis import Redis
from redis.asyncio import Redis as AsyncRedis
from sqlmodel import Session, col, func, select
from starlette.concurrency import run_in_threadpool

from cognify.db import owner_engine
from cognify.errors import Forbidden, NotFound, Unauthorized
from cognify.models import utcnow
from cognify.regions import databases
from cognify.security import Actor
from gateway.models import VirtualKey, VirtualKeyCreate

KEY_PREFIX = "ck-"
CACHE_TTL = 300
_REVOKED = b"revoked"


@dataclass(frozen=True)
class KeyIdentity:
    """What a valid key grants: its tenant and its own limits."""

    key_id: UUID
    tenant_id: UUID
    budget_usd: Decimal | None
    rpm: int | None
    tpm: int | None


def hash_key(secret: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _cache_key(key_hash: str) -> str:
    return f"gw:key:{key_hash}"


def _require_manage(actor: Actor | None) -> None:
    if actor is not None and not actor.can("gateway:manage"):
        raise Forbidden("Missing permission 'gateway:manage'")


def create_key(session: Session, actor: Actor | None, data: VirtualKeyCreate) -> tuple[VirtualKey, str]:
    """A new key in the session's tenant and its secret (shown only now); `actor=None` is the CLI."""
    _require_manage(actor)
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = VirtualKey(**data.model_dump(), key_hash=hash_key(secret), prefix=secret[:10],
                     created_by=actor.user_id if actor else None)
    session.add(key)
    session.flush()
    return key, secret


def list_keys(session: Session, actor: Actor, limit: int, offset: int) -> tuple[list[VirtualKey], int]:
    """The tenant's keys, newest first."""
    _require_manage(actor)
    count = session.exec(select(func.count()).select_from(VirtualKey)).one()
    rows = session.exec(select(VirtualKey).order_by(col(VirtualKey.created_at).desc())
                        .limit(limit).offset(offset)).all()
    return list(rows), count


def revoke_key(session: Session, actor: Actor, key_id: UUID, redis: Redis) -> VirtualKey:
    """Revoke a key; every gateway process refuses it from this moment."""
    _require_manage(actor)
    key = session.get(VirtualKey, key_id)
    if key is None:
        raise NotFound("Key not found")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.add(key)
        session.flush()
    redis.set(_cache_key(key.key_hash), _REVOKED, ex=CACHE_TTL * 4)
    return key


def _load(key_hash: str) -> KeyIdentity | None:
    key = None
    for region in databases():  # a key does not say its tenant's region: each database is asked
        with Session(owner_engine(region)) as session:
            key = session.exec(select(VirtualKey).where(VirtualKey.key_hash == key_hash)).first()
        if key is not None:
            break
    if key is None or key.revoked_at is not None:
        return None
    return KeyIdentity(key.id, key.tenant_id, key.budget_usd, key.rpm, key.tpm)


async def authenticate_key(redis: AsyncRedis, secret: str) -> KeyIdentity:
    """The identity of a live key, or Unauthorized."""
    key_hash = hash_key(secret)
    cached = await redis.get(_cache_key(key_hash))
    if cached == _REVOKED:
        raise Unauthorized("This API key has been revoked", code="invalid_api_key")
    if cached:
        raw = orjson.loads(cached)
        budget = Decimal(raw["budget_usd"]) if raw["budget_usd"] is not None else None
        return KeyIdentity(UUID(raw["key_id"]), UUID(raw["tenant_id"]), budget, raw["rpm"], raw["tpm"])
    identity = await run_in_threadpool(_load, key_hash)
    if identity is None:
        raise Unauthorized("Incorrect API key provided", code="invalid_api_key")
    payload = {"key_id": str(identity.key_id), "tenant_id": str(identity.tenant_id),
               "budget_usd": None if identity.budget_usd is None else str(identity.budget_usd),
               "rpm": identity.rpm, "tpm": identity.tpm}
    await redis.set(_cache_key(key_hash), orjson.dumps(payload), ex=CACHE_TTL, nx=True)
    return identity
