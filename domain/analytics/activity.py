"""Activity capture: content time reported by learners and tracked CRM link clicks."""

import base64
import hashlib
import hmac
import json
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField

from cognify.api import SessionDep
from cognify.db import tenant_session
from cognify.errors import NotFound, ValidationFailed
from cognify.events import emit
from cognify.models import utcnow
from cognify.settings import get_settings
from domain.analytics import flows
from domain.identity.deps import CurrentActor
from domain.lms.models import ContentBlock

router = APIRouter(prefix="/api/v1", tags=["analytics"])


class ContentView(BaseModel):
    """Time a learner spent on one content block."""

    model_config = ConfigDict(extra="forbid")
    content_block_id: UUID
    seconds: int = PydanticField(ge=1, le=86_400)


class Accepted(BaseModel):
    """The id of the event that will carry the activity to analytics."""

    event_id: UUID


def _mac(data: bytes) -> str:
    key = hashlib.sha256(b"crm-click:" + get_settings().secret_key.encode()).digest()
    return hmac.new(key, data, hashlib.sha256).hexdigest()[:32]


def click_token(tenant_id: UUID, lead_id: UUID, url: str, campaign_id: UUID | None = None) -> str:
    """A signed token for a tracked link (GET /api/v1/t/{token} redirects to `url`)."""
    data = json.dumps({"t": str(tenant_id), "l": str(lead_id), "c": campaign_id and str(campaign_id),
                       "u": url}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(data).decode().rstrip("=") + "." + _mac(data)


def _read_token(token: str) -> dict[str, str | None]:
    encoded, _, mac = token.partition(".")
    try:
        data = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except ValueError as exc:
        raise NotFound("Link not found") from exc
    if not hmac.compare_digest(mac, _mac(data)):
        raise NotFound("Link not found")
    return json.loads(data)


@router.post("/activity/content-views", response_model=Accepted, status_code=202)
def content_view(session: SessionDep, actor: CurrentActor, body: ContentView) -> Accepted:
    """Report time spent on a content block of a course the caller can see."""
    if session.get(ContentBlock, body.content_block_id) is None:
        raise ValidationFailed("content_block_id: no such content block",
                               details={"field": "content_block_id"})
    event_id = emit(session, flows.CONTENT_VIEWED, {
        "user_id": actor.user_id, "viewed_at": utcnow(), "content_block_id": body.content_block_id,
        "seconds": body.seconds})
    return Accepted(event_id=event_id)


@router.get("/t/{token}", include_in_schema=False)
def tracked_click(token: str) -> RedirectResponse:
    """Record a tracked CRM link click and redirect to its target."""
    data = _read_token(token)
    url = data["u"] or "/"
    with tenant_session(UUID(data["t"] or "")) as session:
        emit(session, flows.LINK_CLICKED, {"lead_id": data["l"], "campaign_id": data["c"], "url": url,
                                           "clicked_at": utcnow()})
    return RedirectResponse(url, status_code=302)
