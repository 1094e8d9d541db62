"""Where exams meet certification: the integrity of an attempt, and the hook on LMS submit.

The LMS submit service imports nothing of proctoring or certification. Instead, every tenant
session watches its own flushes: when an `AssessmentAttempt` becomes `submitted`, the attempt
is certified just before that same transaction commits, so the grade and the certificate (or
the hold) land together or not at all. Proctoring may import both LMS and certification; it is
the one package that knows both halves of flow 5, so the hook lives here.
"""

from typing import Any
from uuid import UUID

from sqlalchemy import event, inspect
from sqlmodel import Session, select

from cognify.db import TenantSession
from domain.certification.flows import certify_attempt
from domain.certification.models import Integrity
from domain.lms.models import AssessmentAttempt, AttemptStatus, Certificate
from proctoring.models import Decision, ProctoringSession, SessionStatus

_SUBMITTED = "certification_submitted_attempts"


def integrity_of(session: Session, attempt: AssessmentAttempt) -> Integrity:
    """The attempt's proctoring verdict as certification sees it."""
    if not attempt.proctored:
        return Integrity.not_proctored
    found = session.exec(select(ProctoringSession).where(ProctoringSession.attempt_id == attempt.id)).first()
    if found is None or found.status != SessionStatus.completed:
        return Integrity.pending
    if found.decision is not None:
        return Integrity.cleared if found.decision == Decision.cleared else Integrity.violation
    return Integrity.flagged if found.flagged else Integrity.clean


def certify(session: Session, attempt_id: UUID) -> Certificate | None:
    """Run the certification flow for an attempt with its current integrity."""
    attempt = session.get(AssessmentAttempt, attempt_id)
    if attempt is None:
        return None
    return certify_attempt(session, attempt.id, integrity_of(session, attempt))


@event.listens_for(TenantSession, "after_flush")
def _note_submissions(session: Session, _: Any) -> None:
    """Remember attempts whose status this flush changed to `submitted`."""
    for row in session.dirty:
        if isinstance(row, AssessmentAttempt):
            added = inspect(row).attrs.status.history.added
            if added and added[0] == AttemptStatus.submitted:
                session.info.setdefault(_SUBMITTED, set()).add(row.id)


@event.listens_for(TenantSession, "before_commit")
def _certify_submissions(session: Session) -> None:
    """Certify the attempts submitted in this transaction before it commits."""
    while session.info.get(_SUBMITTED):
        certify(session, session.info[_SUBMITTED].pop())


@event.listens_for(TenantSession, "after_rollback")
def _forget_submissions(session: Session) -> None:
    """A rolled-back submission certifies nothing."""
    session.info.pop(_SUBMITTED, None)
