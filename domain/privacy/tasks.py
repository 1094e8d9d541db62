"""Privacy background work: answering requests and expiring export archives."""

from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import update
from sqlmodel import Session, col, select

from cognify.db import owner_session, tenant_session
from cognify.events import Event, handlers
from cognify.logging import get_logger
from cognify.models import utcnow
from cognify.settings import get_settings
from cognify.storage import get_store
from cognify.worker import app
from domain.privacy.erase import erase_subject
from domain.privacy.export import build_archive
from domain.privacy.models import PRIVACY_REQUESTED, PrivacyRequest, RequestState
from domain.privacy.service import record
from domain.tenancy.models import Tenant

log = get_logger("privacy.tasks")


def progress_reporter(tenant_id: UUID, request_id: UUID) -> Callable[[int, int], None]:
    """A callback that stores a request's progress, each call in its own short transaction."""
    def report(done: int, total: int) -> None:
        with tenant_session(tenant_id) as session:
            row = session.get(PrivacyRequest, request_id)
            if row is not None:
                row.progress, row.total = done, total
                session.add(row)

    return report


def _export(tenant: UUID, rid: UUID, subject: UUID) -> Callable[[PrivacyRequest], str]:
    now = utcnow()
    with tenant_session(tenant) as session:
        data = build_archive(session, tenant, rid, subject, now, progress_reporter(tenant, rid))
    key = f"{tenant}/privacy/exports/{rid}.zip"
    get_store().put(key, data, "application/zip")

    def finish(row: PrivacyRequest) -> str:
        row.archive_key, row.archive_bytes = key, len(data)
        row.archive_expires_at = now + timedelta(days=get_settings().privacy_export_days)
        return f"export ready: {len(data)} bytes"

    return finish


def _erase(tenant: UUID, rid: UUID, subject: UUID) -> Callable[[PrivacyRequest], str]:
    with tenant_session(tenant) as session:
        report = erase_subject(session, tenant, subject, progress_reporter(tenant, rid))
        session.execute(update(PrivacyRequest).where(col(PrivacyRequest.subject_user_id) == subject)
                        .values(archive_key=None, archive_bytes=None))

    def finish(row: PrivacyRequest) -> str:
        row.result = report
        if report.get("already_erased"):
            return "nothing to erase: the subject was erased before"
        rows = sum(report["deleted"].values()) + sum(report["pseudonymised"].values())
        return (f"erased: {rows} rows deleted or pseudonymised, {sum(report['redacted'].values())} redacted, "
                f"{report['objects_deleted']} objects deleted")

    return finish


@app.task(name="privacy.run_request")
def run_request(tenant_id: str, request_id: str) -> str:
    """Carry out a pending request once its grace period is over (others are skipped)."""
    tenant, rid = UUID(tenant_id), UUID(request_id)
    with tenant_session(tenant) as session:
        row = session.get(PrivacyRequest, rid)
        if row is None or row.state != RequestState.pending:
            return "skipped"
        if row.not_before is not None and row.not_before > utcnow():
            run_request.apply_async((tenant_id, request_id), eta=row.not_before)
            return "waiting"
        record(session, row, RequestState.running, f"{row.type} started")
        subject, kind = row.subject_user_id, row.type
    try:
        finish = (_erase if kind == "erase" else _export)(tenant, rid, subject)
    except Exception as error:  # the request records the failure; the trail says why
        log.exception("privacy_request_failed", request_id=request_id, type=kind, error=str(error))
        with tenant_session(tenant) as session:
            row = session.get(PrivacyRequest, rid)
            if row is not None:
                row.error = f"the {kind} could not be completed"
                record(session, row, RequestState.failed, f"{kind} failed: {type(error).__name__}")
        return "failed"
    with tenant_session(tenant) as session:
        row = session.get(PrivacyRequest, rid)
        if row is not None:
            record(session, row, RequestState.done, finish(row))
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


def _tenant_ids() -> list[UUID]:
    with owner_session() as session:
        return list(session.exec(select(Tenant.id)).all())


@app.task(name="privacy.purge_expired_exports")
def purge_expired_exports() -> int:
    """Delete every tenant's expired export archives."""
    purged = 0
    for tenant_id in _tenant_ids():
        with tenant_session(tenant_id) as session:
            purged += purge_tenant_exports(session)
    return purged


@app.task(name="privacy.run_due_requests")
def run_due_requests() -> int:
    """Start pending requests whose grace period is over (a safety net for delayed tasks lost on restart)."""
    started = 0
    for tenant_id in _tenant_ids():
        with tenant_session(tenant_id) as session:
            query = select(PrivacyRequest.id).where(PrivacyRequest.state == RequestState.pending,
                                                    col(PrivacyRequest.not_before) <= utcnow())
            due = session.exec(query).all()
        for request_id in due:
            run_request.delay(str(tenant_id), str(request_id))
            started += 1
    return started
