"""Privacy background work: answering requests and expiring export archives."""

from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID

from sqlmodel import Session, col, select

from cognify.db import owner_session, tenant_session
from cognify.events import Event, handlers
from cognify.logging import get_logger
from cognify.models import utcnow
from cognify.settings import get_settings
from cognify.storage import get_store
from cognify.worker import app
from domain.privacy.export import build_archive
from domain.privacy.models import PRIVACY_REQUESTED, PrivacyRequest, RequestState
from domain.privacy.service import record
from domain.tenancy.models import Tenant

log = get_logger("privacy.tasks")


def _progress(tenant_id: UUID, request_id: UUID) -> Callable[[int, int], None]:
    def report(done: int, total: int) -> None:
        with tenant_session(tenant_id) as session:
            row = session.get(PrivacyRequest, request_id)
            if row is not None:
                row.progress, row.total = done, total
                session.add(row)

    return report


@app.task(name="privacy.run_request")
def run_request(tenant_id: str, request_id: str) -> str:
    """Carry out a pending request (a request already started, finished or cancelled is skipped)."""
    tenant, rid = UUID(tenant_id), UUID(request_id)
    with tenant_session(tenant) as session:
        row = session.get(PrivacyRequest, rid)
        if row is None or row.state != RequestState.pending:
            return "skipped"
        record(session, row, RequestState.running, "export started")
        subject = row.subject_user_id
    try:
        now = utcnow()
        with tenant_session(tenant) as session:
            data = build_archive(session, tenant, rid, subject, now, _progress(tenant, rid))
        key = f"{tenant}/privacy/exports/{rid}.zip"
        get_store().put(key, data, "application/zip")
    except Exception as error:  # the request records the failure; the trail says why
        log.exception("privacy_export_failed", request_id=request_id, error=str(error))
        with tenant_session(tenant) as session:
            row = session.get(PrivacyRequest, rid)
            if row is not None:
                row.error = "the export could not be built"
                record(session, row, RequestState.failed, f"export failed: {type(error).__name__}")
        return "failed"
    with tenant_session(tenant) as session:
        row = session.get(PrivacyRequest, rid)
        if row is not None:
            row.archive_key, row.archive_bytes = key, len(data)
            row.archive_expires_at = now + timedelta(days=get_settings().privacy_export_days)
            record(session, row, RequestState.done, f"export ready: {len(data)} bytes")
    return "done"


@handlers.on(PRIVACY_REQUESTED, name="privacy.enqueue_request")
def enqueue_request(_: Session, event: Event) -> None:
    """Start on a new request (the task skips one that is no longer pending)."""
    run_request.delay(str(event.tenant_id), str(event.payload["request_id"]))


def purge_tenant_exports(session: Session, now: datetime | None = None) -> int:
    """Delete the tenant's export archives past their expiry; the number deleted."""
    now = now or utcnow()
    expired = session.exec(select(PrivacyRequest).where(
        col(PrivacyRequest.archive_key).is_not(None), col(PrivacyRequest.archive_expires_at) < now)).all()
    for row in expired:
        get_store().delete(row.archive_key or "")
        row.archive_key = None
        record(session, row, row.state, "export archive expired and deleted")
    return len(expired)


@app.task(name="privacy.purge_expired_exports")
def purge_expired_exports() -> int:
    """Delete every tenant's expired export archives."""
    with owner_session() as session:
        tenant_ids = list(session.exec(select(Tenant.id)).all())
    purged = 0
    for tenant_id in tenant_ids:
        with tenant_session(tenant_id) as session:
            purged += purge_tenant_exports(session)
    return purged
