"""Admin endpoints (/api/v1/gateway: keys, usage) plus the OpenAI-compatible /v1 routes."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response

from cognify.api import PageDep, SessionDep
from cognify.redis import get_redis
from domain.identity.deps import CurrentActor
from gateway import keys
from gateway.models import VirtualKeyCreate, VirtualKeyCreated, VirtualKeyPublic, VirtualKeysPublic
from gateway.openai_api import router as openai_router
from gateway.usage import GroupBy, usage_report

admin = APIRouter(prefix="/api/v1/gateway", tags=["gateway"])


@admin.post("/keys", status_code=201, response_model=VirtualKeyCreated)
def create_key(session: SessionDep, actor: CurrentActor, body: VirtualKeyCreate) -> VirtualKeyCreated:
    """Create a virtual key; the secret is in this response only."""
    key, secret = keys.create_key(session, actor, body)
    return VirtualKeyCreated(**VirtualKeyPublic.model_validate(key).model_dump(), key=secret)


@admin.get("/keys", response_model=VirtualKeysPublic)
def list_keys(session: SessionDep, actor: CurrentActor, page: PageDep) -> VirtualKeysPublic:
    """The tenant's keys (never their secrets)."""
    rows, count = keys.list_keys(session, actor, page.limit, page.offset)
    return VirtualKeysPublic(data=[VirtualKeyPublic.model_validate(r) for r in rows], count=count)


@admin.delete("/keys/{key_id}", status_code=204)
def revoke_key(session: SessionDep, actor: CurrentActor, key_id: UUID) -> Response:
    """Revoke a key; it fails from this moment on."""
    keys.revoke_key(session, actor, key_id, get_redis())
    return Response(status_code=204)


@admin.get("/usage")
def usage(
    session: SessionDep, actor: CurrentActor, group_by: GroupBy = "day",
    days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> dict[str, Any]:
    """Spend and tokens by day, model group, user (or key), purpose or deployment."""
    return usage_report(session, actor, group_by, days)


router = APIRouter()
router.include_router(admin)
router.include_router(openai_router)
