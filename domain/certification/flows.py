"""Flow 5, exam -> certificate: a passed exam certifies at once, or is held for proctoring review.

The LMS knows nothing of this flow. Whoever learns something new about an attempt (it was
submitted and graded, its proctoring session was scored, a proctor decided) calls
`certify_attempt` with the attempt's integrity; the call is idempotent, so it may run again
each time and only moves a certificate forward: none -> issued | held, held -> issued | withheld.
"""

from uuid import UUID

from sqlmodel import Session

from cognify.logging import get_logger
from domain.certification import service
from domain.certification.models import ISSUE, Integrity
from domain.lms.models import (
    Assessment,
    AssessmentAttempt,
    AssessmentType,
    AttemptStatus,
    Certificate,
    CertificateStatus,
)

log = get_logger("certification.flows")


def certifies(attempt: AssessmentAttempt, assessment: Assessment) -> bool:
    """A submitted, passed attempt at an exam earns a certificate; quizzes never do."""
    return (assessment.type == AssessmentType.exam
            and attempt.status == AttemptStatus.submitted and bool(attempt.passed))


def target_status(integrity: Integrity) -> CertificateStatus:
    """Where the integrity verdict sends a passed exam's certificate."""
    if integrity in ISSUE:
        return CertificateStatus.issued
    return CertificateStatus.withheld if integrity == Integrity.violation else CertificateStatus.held


def certify_attempt(session: Session, attempt_id: UUID, integrity: Integrity) -> Certificate | None:
    """Issue, hold or withhold the attempt's certificate as its integrity now allows."""
    attempt = session.get(AssessmentAttempt, attempt_id)
    assessment = session.get(Assessment, attempt.assessment_id) if attempt else None
    if attempt is None or assessment is None or not certifies(attempt, assessment):
        return None
    certificate = service.attempt_certificate(session, attempt.id)
    target = target_status(integrity)
    if certificate is None:
        certificate = service.open_certificate(session, attempt, assessment.course_id)
    elif certificate.status != CertificateStatus.held or target == CertificateStatus.held:
        return certificate
    if target == CertificateStatus.issued:
        service.issue(session, certificate)
    elif target == CertificateStatus.withheld:
        service.withhold(session, certificate)
    log.info("certificate_state", attempt_id=str(attempt.id), certificate_id=str(certificate.id),
             status=certificate.status.value, integrity=integrity.value)
    return certificate
