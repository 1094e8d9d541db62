"""Certification shapes: the integrity verdict an exam brings, and the public verification view."""

import enum
from datetime import datetime

from sqlmodel import SQLModel

from domain.lms.models import CertificateStatus


class Integrity(enum.StrEnum):
    """What exam proctoring says about an attempt, as certification needs to know it."""

    not_proctored = "not_proctored"
    pending = "pending"
    clean = "clean"
    flagged = "flagged"
    cleared = "cleared"
    violation = "violation"


CERTIFICATE_ISSUED = "certification.certificate_issued"
CERTIFICATE_WITHHELD = "certification.certificate_withheld"
ISSUE = frozenset({Integrity.not_proctored, Integrity.clean, Integrity.cleared})


class CertificateCheck(SQLModel):
    """What anyone holding a verification code may learn: name, course, date, validity."""

    holder_name: str
    course_title: str
    issued_at: datetime | None
    status: CertificateStatus
    valid: bool
