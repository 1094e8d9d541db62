"""Fixtures of the privacy tests."""

from uuid import uuid4

import pytest
from privacy_helpers import one
from sqlalchemy import text
from sqlmodel import select

from cognify.db import tenant_session
from cognify.storage import get_store


@pytest.fixture
def school(make_tenant):
    """A seeded school whose first exam taker has a certificate PDF and a proctoring evidence frame."""
    from domain.certification.service import store_pdf
    from domain.lms.models import Certificate
    from domain.seed import seed_demo
    from proctoring.models import ProctoringSession, TimelineEvent

    tenant = make_tenant()
    seed_demo(tenant.id)
    pupil = one(tenant.id, "SELECT u.id, u.email, u.full_name, s.guardian_id, c.attempt_id "
                            "FROM users u JOIN students s ON s.user_id = u.id "
                            "JOIN certificates c ON c.user_id = u.id LIMIT 1")
    with tenant_session(tenant.id) as session:
        certificate = session.exec(select(Certificate).where(Certificate.user_id == pupil["id"])).one()
        store_pdf(session, certificate)
        proctored = ProctoringSession(tenant_id=tenant.id, attempt_id=pupil["attempt_id"],
                                      student_id=pupil["id"], status="completed")
        session.add(proctored)
        session.flush()
        key = f"{tenant.id}/proctoring/{proctored.id}/frames/{uuid4()}.jpg"
        get_store().put(key, b"\xff\xd8jpeg-bytes", "image/jpeg")
        session.execute(text(  # a column named `t`: the export must not mistake it for the row
            "INSERT INTO proctoring_frame_signals (id, session_id, t, face_count, blocked, "
            "no_face_confirmed) VALUES (gen_random_uuid(), :s, 1.5, 1, false, false)"), {"s": proctored.id})
        session.add(TimelineEvent(tenant_id=tenant.id, session_id=proctored.id, type="no_face",
                                  source="video", start_s=3.0, end_s=9.0, evidence_s=5.0, evidence_key=key))
    pupil["evidence_key"] = key
    return tenant, pupil
