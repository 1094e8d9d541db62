"""A school with a proctored exam in progress, built through the API (users inserted directly)."""

import time
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from cognify.db import TenantSession, owner_engine
from cognify.security import Role, TokenClaims, create_access_token

QUESTIONS = [
    {"id": "q1", "type": "single_choice", "prompt": "2+2?", "options": ["3", "4"], "answer": 1},
    {"id": "q2", "type": "true_false", "prompt": "Water is wet", "answer": True},
]
PASSING = {"q1": 1, "q2": True}
FAILING = {"q1": 0, "q2": False}
Headers = dict[str, str]


def as_owner(tenant_id: UUID, sql: str, **params: Any) -> list[Any]:
    """Run SQL as the table owner scoped to a tenant (set-up and inspection only)."""
    with TenantSession(owner_engine(), tenant_id) as session:
        result = session.execute(text(sql), params)
        rows = list(result.all()) if result.returns_rows else []
        session.commit()
        return rows


def add_user(tenant_id: UUID, role: str, name: str = "") -> tuple[UUID, Headers]:
    """A user row and a real access token for it (no password hashing, to keep tests fast)."""
    user_id = uuid4()
    as_owner(
        tenant_id,
        "INSERT INTO users (id, tenant_id, email, full_name, role) VALUES (:i, :t, :e, :n, :r)",
        i=user_id,
        t=tenant_id,
        e=f"{role}-{user_id.hex[:8]}@school.example.com",
        n=name or f"A {role}",
        r=role,
    )
    token, _ = create_access_token(TokenClaims(user_id, tenant_id, Role(role)))
    return user_id, {"Authorization": f"Bearer {token}"}


def set_customizations(tenant_id: UUID, customizations: dict[str, Any]) -> None:
    """Replace a tenant's customizations."""
    import json

    as_owner(
        tenant_id,
        "UPDATE tenants SET customizations = CAST(:c AS jsonb) WHERE id = :t",
        c=json.dumps(customizations),
        t=tenant_id,
    )


@dataclass
class Exam:
    """A tenant, its staff, a student with an open attempt at an exam."""

    client: TestClient
    tenant_id: UUID
    owner: Headers
    proctor: Headers
    student_id: UUID
    student: Headers
    course_id: str
    assessment_id: str
    attempt_id: str

    def api(self, method: str, path: str, headers: Headers | None = None, **kw: Any) -> Any:
        """Call /api/v1{path} as the student unless told otherwise."""
        return self.client.request(method, f"/api/v1{path}", headers=headers or self.student, **kw)

    def start_session(self, source: str = "live") -> str:
        """Consent to recording, then open a proctoring session for the attempt; its id."""
        consent = {"purpose": "proctoring_recording", "granted": True, "text_version": "test-1"}
        assert self.api("POST", "/privacy/consents", json=consent).status_code == 201
        response = self.api(
            "POST", "/proctoring/sessions", json={"attempt_id": self.attempt_id, "source": source}
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def post_frames(
        self, session_id: str, segments: list[tuple[float, np.ndarray]], fps: float = 2.0
    ) -> float:
        """Post each (seconds, frame) segment as timestamped JPEGs; the next free timestamp."""
        t = 0.0
        for seconds, image in segments:
            data = jpeg(image)
            for _ in range(round(seconds * fps)):
                response = self.api(
                    "POST",
                    f"/proctoring/sessions/{session_id}/frames",
                    params={"t": t},
                    content=data,
                    headers={**self.student, "Content-Type": "image/jpeg"},
                )
                assert response.status_code == 200, response.text
                t = round(t + 1.0 / fps, 3)
        return t

    def submit(self, answers: dict[str, Any] | None = None) -> dict[str, Any]:
        """Submit the attempt (passing unless told)."""
        response = self.api(
            "POST", f"/attempts/{self.attempt_id}/submit", json={"answers": answers or PASSING}
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def certificates(self) -> list[dict[str, Any]]:
        """The student's certificates for this attempt."""
        response = self.api("GET", "/certificates")
        assert response.status_code == 200, response.text
        return [c for c in response.json()["data"] if c["attempt_id"] == self.attempt_id]


def jpeg(image: np.ndarray) -> bytes:
    """A JPEG of a BGR frame."""
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return buffer.tobytes()


def make_exam(
    client: TestClient, tenant_id: UUID, owner_id: UUID, *, proctored: bool = True, kind: str = "exam"
) -> Exam:
    """A published course, an enrolled student, and the student's attempt at its assessment."""
    owner_token, _ = create_access_token(TokenClaims(owner_id, tenant_id, Role.owner))
    owner = {"Authorization": f"Bearer {owner_token}"}
    teacher_id, teacher = add_user(tenant_id, "teacher")
    student_id, student = add_user(tenant_id, "student", name="Grace Hopper")

    def post(path: str, body: dict[str, Any], headers: Headers) -> dict[str, Any]:
        response = client.post(f"/api/v1{path}", json=body, headers=headers)
        assert response.status_code == 201, response.text
        return dict(response.json())

    course = post(
        "/courses", {"title": "Compilers 101", "status": "published", "teacher_ids": [str(teacher_id)]}, owner
    )
    post("/enrollments", {"student_id": str(student_id), "course_id": course["id"]}, owner)
    assessment = post(
        "/assessments",
        {
            "course_id": course["id"],
            "title": "Final exam",
            "type": kind,
            "pass_score": 50,
            "proctored": proctored,
            "questions": QUESTIONS,
        },
        owner,
    )
    attempt = post(f"/assessments/{assessment['id']}/attempts", {}, student)
    return Exam(
        client, tenant_id, owner, teacher, student_id, student, course["id"], assessment["id"], attempt["id"]
    )


ANALYSIS_DEADLINE_S = 90


def await_analysis(exam: Exam, session_id: str) -> dict[str, Any]:
    """Poll the session until the worker finishes with it, or fail at the deadline."""
    deadline = time.monotonic() + ANALYSIS_DEADLINE_S
    seen_progress: set[int] = set()
    while time.monotonic() < deadline:
        session = exam.api("GET", f"/proctoring/sessions/{session_id}").json()
        seen_progress.add(session["frames_processed"])
        if session["status"] in ("completed", "failed"):
            return session
        time.sleep(0.2)
    pytest.fail(f"analysis did not finish within {ANALYSIS_DEADLINE_S}s (progress: {sorted(seen_progress)})")
