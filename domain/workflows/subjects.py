"""What rules see: students and leads as whitelisted fields, with the spell a firing belongs to.

A spell is the state a scheduled rule fires at most once for: a student's last activity (so
"inactive 7 days" fires once until the student is active again), a lead's status and last contact.
"""

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlmodel import Session

FIELDS: dict[str, frozenset[str]] = {
    "student": frozenset({"inactive_days", "status", "name", "email", "enrolled_courses"}),
    "lead": frozenset({"status", "source", "name", "email", "tags", "age_hours", "hours_since_contact",
                       "assigned"}),
}

_STUDENTS = """
SELECT s.id, s.status, s.personal_info->>'name' AS name,
       coalesce(u.email, s.personal_info->>'email') AS email, a.last_active,
       floor(extract(epoch FROM now() - a.last_active) / 86400)::int AS inactive_days,
       (SELECT count(*) FROM enrollments e WHERE e.student_id = s.user_id AND e.status = 'active')
         AS enrolled_courses,
       (SELECT c.teacher_ids[1] FROM enrollments e JOIN courses c ON c.id = e.course_id
         WHERE e.student_id = s.user_id ORDER BY e.enrolled_at DESC LIMIT 1) AS assignee
FROM students s LEFT JOIN users u ON u.id = s.user_id
CROSS JOIN LATERAL (SELECT coalesce(greatest(
    (SELECT max(k.timestamp) FROM kpi_events k WHERE k.user_id = s.user_id AND s.user_id IS NOT NULL),
    (SELECT max(t.timestamp) FROM attendance t WHERE t.student_id = s.id AND t.status <> 'absent')
  ), s.created_at) AS last_active) a
"""

_LEADS = """
SELECT l.id, l.status, l.source, l.name, l.contact->>'email' AS email, l.tags, l.assigned_to,
       extract(epoch FROM now() - l.created_at) / 3600 AS age_hours,
       extract(epoch FROM now() - coalesce(l.last_contacted_at, l.created_at)) / 3600 AS hours_since_contact,
       coalesce(l.last_contacted_at, l.created_at) AS contacted
FROM leads l
"""


@dataclass(frozen=True)
class Subject:
    """One student or lead as a rule sees it."""

    kind: str
    id: UUID
    fields: dict[str, Any]
    spell: str
    email: str | None = None
    assignee: UUID | None = None
    lead_id: UUID | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def load(session: Session, kind: str, subject_id: UUID | None = None) -> list[Subject]:
    """Every subject of a kind in the tenant, or just one."""
    where = " WHERE s.id = :id" if kind == "student" else " WHERE l.id = :id"
    sql = (_STUDENTS if kind == "student" else _LEADS) + (where if subject_id else "")
    rows = session.execute(text(sql), {"id": subject_id}).mappings().all()
    return [_student(r) if kind == "student" else _lead(r) for r in rows]


def _student(r: Any) -> Subject:
    fields = {"inactive_days": r["inactive_days"], "status": r["status"], "name": r["name"] or "",
              "email": r["email"], "enrolled_courses": r["enrolled_courses"]}
    return Subject("student", r["id"], fields, spell=f"active:{r['last_active'].isoformat()}",
                   email=r["email"], assignee=r["assignee"])


def _lead(r: Any) -> Subject:
    fields = {"status": r["status"], "source": r["source"], "name": r["name"], "email": r["email"],
              "tags": list(r["tags"] or []), "age_hours": round(float(r["age_hours"]), 2),
              "hours_since_contact": round(float(r["hours_since_contact"]), 2),
              "assigned": r["assigned_to"] is not None}
    return Subject("lead", r["id"], fields, spell=f"{r['status']}:{r['contacted'].isoformat()}",
                   email=r["email"], assignee=r["assigned_to"], lead_id=r["id"])
