"""Data-subject requests: who may ask for whose data, the request's life, and what the API shows."""

from datetime import datetime, timedelta
from uuid import UUID

from sqlmodel import Session, col, select

from cognify.errors import Conflict, Forbidden, NotFound
from cognify.events import emit
from cognify.models import utcnow
from cognify.security import Actor, Role
from domain.identity.models import User
from domain.privacy.erase import ERASED_DOMAIN
from domain.privacy.holds import refuse_erasure_on_hold
from domain.privacy.links import download_url
from domain.privacy.models import (
    PRIVACY_REQUESTED,
    PrivacyRequest,
    PrivacyRequestEvent,
    PrivacySettings,
    RequestCreate,
    RequestEventPublic,
    RequestPublic,
    RequestState,
)
from domain.privacy.subjects import may_act_for
from domain.tenancy.models import Tenant


def record(session: Session, request: PrivacyRequest, state: RequestState, message: str,
           actor_id: UUID | None = None) -> None:
    """Move a request to a state and append the step to its audit trail."""
    request.state, request.updated_at = state, utcnow()
    if state in (RequestState.done, RequestState.failed, RequestState.cancelled):
        request.finished_at = request.updated_at
    session.add(request)
    session.add(PrivacyRequestEvent(tenant_id=request.tenant_id, request_id=request.id, actor_id=actor_id,
                                    state=state, message=message))


def privacy_settings(session: Session, tenant_id: UUID) -> PrivacySettings:
    """The tenant's privacy settings (validated when an admin sets them)."""
    tenant = session.get(Tenant, tenant_id)
    return PrivacySettings.model_validate((tenant.customizations if tenant else {}).get("privacy") or {})


def _earlier_erasure(session: Session, subject: User) -> PrivacyRequest | None:
    """The erasure that already erased this subject, if any."""
    if not subject.email.endswith(f"@{ERASED_DOMAIN}"):
        return None
    return session.exec(select(PrivacyRequest).where(
        PrivacyRequest.subject_user_id == subject.id, PrivacyRequest.type == "erase",
        PrivacyRequest.state == RequestState.done).order_by(col(PrivacyRequest.created_at).desc())).first()


def create_request(session: Session, actor: Actor, body: RequestCreate) -> tuple[PrivacyRequest, bool]:
    """Open a request (the worker starts on it once the transaction commits); and whether it is new.

    Erasing a subject erased before returns that erasure: erasing twice changes nothing."""
    subject = session.get(User, body.subject_user_id)
    if subject is None:
        raise NotFound("No such user")
    if not may_act_for(session, actor, subject.id):
        raise Forbidden("You may ask only for your own data or your child's", code="not_your_data")
    if body.type == "erase":
        if (earlier := _earlier_erasure(session, subject)) is not None:
            return earlier, False
        if subject.role == Role.owner:
            raise Conflict("The tenant's owner cannot be erased; transfer ownership first",
                           code="owner_cannot_be_erased")
        refuse_erasure_on_hold(session, subject.id)
    open_one = session.exec(select(PrivacyRequest.id).where(
        PrivacyRequest.subject_user_id == subject.id, PrivacyRequest.type == body.type,
        col(PrivacyRequest.state).in_([RequestState.pending, RequestState.running]))).first()
    if open_one is not None:
        raise Conflict("A request of this type is already open for this user", code="request_open",
                       details={"request_id": str(open_one)})
    request = PrivacyRequest(tenant_id=actor.tenant_id, type=body.type, subject_user_id=subject.id,
                             requested_by=actor.user_id)
    message = f"{body.type} requested"
    grace = privacy_settings(session, actor.tenant_id).erasure_grace_days
    if body.type == "erase" and grace:
        request.not_before = utcnow() + timedelta(days=grace)
        message += f"; runs after a grace period of {grace} days, until then it can be cancelled"
    session.add(request)
    session.flush()
    record(session, request, RequestState.pending, message, actor.user_id)
    emit(session, PRIVACY_REQUESTED, {"request_id": request.id})
    return request, True


def get_request(session: Session, actor: Actor, request_id: UUID) -> PrivacyRequest:
    """A request the actor may see: their own, their child's, or any for an admin; else 404."""
    request = session.get(PrivacyRequest, request_id)
    if request is None or not (request.requested_by == actor.user_id
                               or may_act_for(session, actor, request.subject_user_id)):
        raise NotFound("No such privacy request")
    return request


def list_requests(session: Session, actor: Actor, subject_id: UUID | None) -> list[PrivacyRequest]:
    """Requests the actor may see, newest first."""
    query = select(PrivacyRequest).order_by(col(PrivacyRequest.created_at).desc()).limit(200)
    if subject_id is not None:
        query = query.where(PrivacyRequest.subject_user_id == subject_id)
    if not actor.can("privacy:manage"):
        query = query.where((PrivacyRequest.requested_by == actor.user_id)
                            | (PrivacyRequest.subject_user_id == actor.user_id))
    return list(session.exec(query).all())


def cancel_request(session: Session, actor: Actor, request_id: UUID) -> PrivacyRequest:
    """Cancel a request that has not started."""
    request = get_request(session, actor, request_id)
    if request.state != RequestState.pending:
        raise Conflict(f"The request is {request.state}; only a pending one can be cancelled",
                       code="request_not_pending")
    record(session, request, RequestState.cancelled, "cancelled", actor.user_id)
    return request


def to_public(session: Session, request: PrivacyRequest, now: datetime | None = None) -> RequestPublic:
    """The request with its audit trail and, while the archive lives, its signed link."""
    events = session.exec(select(PrivacyRequestEvent).where(PrivacyRequestEvent.request_id == request.id)
                          .order_by(col(PrivacyRequestEvent.created_at), col(PrivacyRequestEvent.id))).all()
    expires = request.archive_expires_at
    live = request.archive_key is not None and expires is not None and expires > (now or utcnow())
    return RequestPublic(
        id=request.id, type=request.type, subject_user_id=request.subject_user_id,
        requested_by=request.requested_by, state=request.state, progress=request.progress,
        total=request.total, archive_bytes=request.archive_bytes, archive_expires_at=expires,
        download_url=download_url(request.tenant_id, request.id, expires) if live and expires else None,
        error=request.error, not_before=request.not_before, result=request.result,
        created_at=request.created_at, finished_at=request.finished_at,
        events=[RequestEventPublic(state=e.state, actor_id=e.actor_id, message=e.message,
                                   created_at=e.created_at) for e in events],
    )
