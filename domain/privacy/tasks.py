"""Privacy background work: answering requests and the retention purge."""

from collections.abc import Callable
from datetime import timedelta
from uuid import UUID

from sqlalchemy import update
from sqlmodel import Session, col, select

from cognify.db import tenant_ids, tenant_session
from cognify.events import Event, handlers
from cognify.logging import get_logger
from cognify.models import utcnow
from cognify.storage import get_store
from cognify.worker import app
from domain.privacy.erase import erase_subject
from domain.privacy.export import build_archive
from domain.privacy.holds import holds_on_subject
from domain.privacy.models import PRIVACY_REQUESTED, PrivacyRequest, RequestState, RetentionCategory
from domain.privacy.retention import apply_retention, periods
from domain.privacy.service import record

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
        days, _ = periods(session, tenant)[RetentionCategory.export_archives]
    key = f"{tenant}/privacy/exports/{rid}.zip"
    get_store().put(key, data, "application/zip")

    def finish(row: PrivacyRequest) -> str:
        row.archive_key, row.archive_bytes = key, len(data)
        row.archive_expires_at = now + timedelta(days=days)
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
        subject, kind = row.subject_user_id, row.type
        if kind == "erase" and (held := holds_on_subject(session, subject)):
            row.error = "a legal hold protects the subject's data; release it and ask again"
            record(session, row, RequestState.failed, f"erase refused: {len(held)} legal hold(s) in force")
            return "held"
        record(session, row, RequestState.running, f"{row.type} started")
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


@app.task(name="privacy.apply_retention")
def apply_retention_everywhere() -> dict[str, int]:
    """Every tenant's retention purge; rows and objects removed, in total."""
    totals = {"rows": 0, "objects": 0}
    for tenant_id in tenant_ids():
        with tenant_session(tenant_id) as session:
            report = apply_retention(session, tenant_id, dry_run=False)
        removed = {c.category.value: sum(c.rows.values()) for c in report.categories if any(c.rows.values())}
        objects = sum(c.objects for c in report.categories)
        totals["rows"] += sum(removed.values())
        totals["objects"] += objects
        if removed or objects:
            log.info("retention_purged", tenant_id=str(tenant_id), objects=objects, **removed)
    return totals


@app.task(name="privacy.run_due_requests")
def run_due_requests() -> int:
    """Start pending requests whose grace period is over (a safety net for delayed tasks lost on restart)."""
    started = 0
    for tenant_id in tenant_ids():
        with tenant_session(tenant_id) as session:
            query = select(PrivacyRequest.id).where(PrivacyRequest.state == RequestState.pending,
                                                    col(PrivacyRequest.not_before) <= utcnow())
            due = session.exec(query).all()
        for request_id in due:
            run_request.delay(str(tenant_id), str(request_id))
            started += 1
    return started
