"""The admin's view of the local message outbox."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from cognify.api import PageDep, SessionDep, SortParam
from cognify.security import Actor
from domain.identity.deps import require
from domain.messaging import service
from domain.messaging.models import MessageStatus, OutboundMessagesPublic

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])


@router.get("/outbox", response_model=OutboundMessagesPublic)
def list_outbox(
    session: SessionDep, _: Annotated[Actor, Depends(require("tenant:manage"))], paging: PageDep,
    status: Annotated[MessageStatus | None, Query()] = None,
    channel: Annotated[str | None, Query(max_length=20)] = None,
    recipient: Annotated[str | None, Query(max_length=254)] = None, sort: SortParam = None,
) -> Any:
    """Outbound messages: stored ones are what would have been sent without a configured backend."""
    rows, count = service.list_messages(session, status=status, channel=channel, recipient=recipient,
                                        sort=sort, limit=paging.limit, offset=paging.offset)
    return OutboundMessagesPublic(data=rows, count=count)  # type: ignore[arg-type]
