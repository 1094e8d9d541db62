"""Demo data: a small school with staff, students, courses, leads, a timetable and money."""

import hashlib
import random
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlmodel import Session, select

from cognify.db import tenant_session
from cognify.models import utcnow
from cognify.security import Role, hash_password
from domain.analytics.models import Engagement, FunnelStep, KPIEvent
from domain.crm.models import Campaign, Conversation, Lead, Task
from domain.crm.service.leads import LEAD_OPT_IN_VERSION
from domain.identity.models import User
from domain.lms.models import (
    Assessment,
    AssessmentAttempt,
    Certificate,
    ContentBlock,
    Course,
    Enrollment,
    Module,
)
from domain.privacy.consent import Consent, Purpose
from domain.seed_content import CONVERSATION, COURSES, EXAM, FAMILIES, LEADS, QUIZ, STAFF
from domain.sis.billing_models import Invoice, PaymentCreate
from domain.sis.models import Attendance, Student, Timetable
from domain.sis.service import record_payment

DEMO_PASSWORD = "cognify-demo"
DEMO_DOMAIN = "demo.example.com"
MARKER = f"maya.admin@{DEMO_DOMAIN}"
FEES = {"Data Science 101": Decimal("1499.00"), "Python for Beginners": Decimal("499.50"),
        "Digital Marketing": Decimal("899.99")}


def _slug(name: str) -> str:
    return "".join(c for c in name.lower().replace(" ", ".") if c.isalnum() or c == ".")


class _Seeder:
    """Builds the demo rows in one tenant transaction; counts what it adds."""

    def __init__(self, session: Session, tenant_id: UUID) -> None:
        self.session, self.tenant_id = session, tenant_id
        self.rng = random.Random(42)
        self.now = utcnow().replace(microsecond=0)
        self.counts: dict[str, int] = {}
        self.password_hash = hash_password(DEMO_PASSWORD)

    def add(self, row: Any) -> Any:
        row.tenant_id = self.tenant_id
        self.session.add(row)
        table = type(row).__tablename__
        self.counts[table] = self.counts.get(table, 0) + 1
        return row

    def user(self, local: str, name: str, role: str) -> User:
        return self.add(User(email=f"{local}@{DEMO_DOMAIN}", full_name=name, role=Role(role),
                             password_hash=self.password_hash))

    def people(self) -> None:
        staff = [self.user(local, name, role) for local, name, role in STAFF]
        self.admin, self.teachers, self.sales = staff[0], staff[1:3], staff[3]
        self.families = []
        for name, born, parent_name in FAMILIES:
            parent = self.user(_slug(parent_name), parent_name, "parent")
            pupil = self.user(_slug(name), name, "student")
            self.families.append((pupil, parent, name, born))
        self.session.flush()
        self.students = [
            self.add(Student(
                user_id=pupil.id, guardian_id=parent.id, status="active",
                personal_info={"name": name, "date_of_birth": born, "email": pupil.email,
                               "phone": f"+1555{self.rng.randrange(1000000, 9999999)}"},
                academic_history=[{"institution": "Riverside High School", "year": int(born[:4]) + 17,
                                   "grade": self.rng.choice(["A", "A-", "B+", "B"])}],
            )) for pupil, parent, name, born in self.families
        ]

    def courses(self) -> None:
        self.course_rows: list[Course] = []
        for spec in COURSES:
            course = self.add(Course(
                title=spec["title"], description=spec["description"], type=spec["type"], tags=spec["tags"],
                status="published", teacher_ids=[self.teachers[spec["teacher"]].id],
                drip_schedule={"mode": "days_after_enrolment"}, media=[],
            ))
            self.session.flush()
            for sequence, (name, days, block_title, body) in enumerate(spec["modules"], start=1):
                block = self.add(ContentBlock(course_id=course.id, type="doc", title=block_title, body=body))
                self.session.flush()
                self.add(Module(course_id=course.id, name=name, sequence=sequence, unlock_after_days=days,
                                content_block_refs=[block.id]))
            self.course_rows.append(course)
        self.exam = self.add(Assessment(course_id=self.course_rows[0].id, **EXAM))
        self.add(Assessment(course_id=self.course_rows[1].id, **QUIZ))
        self.session.flush()

    def enrolments(self) -> None:
        self.enrolled: list[tuple[Student, User, Course]] = []
        for i, (student, (pupil, *_)) in enumerate(zip(self.students, self.families, strict=True)):
            for course in (self.course_rows[i % 3], self.course_rows[(i + 1) % 3])[: 1 + i % 2]:
                self.add(Enrollment(
                    student_id=pupil.id, course_id=course.id, progress=self.rng.randrange(5, 95),
                    enrolled_at=self.now - timedelta(days=self.rng.randrange(10, 40)),
                ))
                self.enrolled.append((student, pupil, course))
        self.session.flush()
        takers = [pupil for _, pupil, course in self.enrolled if course.id == self.exam.course_id][:2]
        for n, pupil in enumerate(takers):
            started = self.now - timedelta(days=2, minutes=40)
            score = 100.0 if n == 0 else 45.0
            attempt = self.add(AssessmentAttempt(
                assessment_id=self.exam.id, student_id=pupil.id, score=score, passed=score >= 60,
                answers={"q1": 1, "q2": [0, 1], "q3": False, "q4": "mean absolute error"} if n == 0 else
                {"q1": 0, "q2": [2], "q3": True, "q4": "accuracy"},
                started_at=started, submitted_at=started + timedelta(minutes=22), status="submitted",
                proctored=True,
            ))
            if score >= 60:
                self.session.flush()
                code = hashlib.sha256(f"{self.tenant_id}:{attempt.id}".encode()).hexdigest()[:16].upper()
                self.add(Certificate(user_id=pupil.id, course_id=self.exam.course_id, attempt_id=attempt.id,
                                     score=score, template_id="classic", verification_code=code,
                                     issued_at=self.now - timedelta(days=1)))

    def school_life(self) -> None:
        today = self.now.date()
        for student, _, course in self.enrolled:
            for back in range(1, 6):
                status = self.rng.choices(["present", "late", "absent", "excused"], [14, 3, 2, 1])[0]
                reason = "Medical appointment" if status == "excused" else None
                when = datetime.combine(today - timedelta(days=back), time(9, 5), tzinfo=self.now.tzinfo)
                self.add(Attendance(student_id=student.id, course_id=course.id, status=status,
                                    method=self.rng.choice(["qr", "manual", "online"]), reason=reason,
                                    timestamp=when))
        arjun, sofia = (t.id for t in self.teachers)
        slots = [("mon", "09:00", "10:30", "Data Science", arjun), ("mon", "11:00", "12:30", "Python", sofia),
                 ("wed", "09:00", "10:30", "Data Science", arjun),
                 ("thu", "14:00", "15:30", "Digital Marketing", sofia)]
        periods = [{"day": d, "start": s, "end": e, "subject": subject, "teacher_id": str(t)}
                   for d, s, e, subject, t in slots]
        self.add(Timetable(name="Autumn cohort A", classroom_id="Lab-1", periods=periods,
                           teachers=[arjun, sofia], subjects=["Data Science", "Python", "Digital Marketing"],
                           starts_on=today - timedelta(days=30), ends_on=today + timedelta(days=60)))
        self.session.flush()

    def money(self) -> None:
        today = self.now.date()
        for n, (student, _, course) in enumerate(self.enrolled):
            due = today + timedelta(days=14) if n % 3 else today - timedelta(days=7)
            invoice = self.add(Invoice(
                student_id=student.id, course_id=course.id, amount=FEES[course.title], currency="USD",
                status="open" if due >= today else "overdue", due_date=due,
                description=f"Tuition: {course.title}",
            ))
            self.session.flush()
            if n % 3 == 1:
                self._pay(invoice, invoice.amount, n, "card")
            elif n % 3 == 2:
                self._pay(invoice, (invoice.amount / 2).quantize(Decimal("0.01")), n, "upi")

    def _pay(self, invoice: Invoice, amount: Decimal, n: int, method: str) -> None:
        data = PaymentCreate(invoice_id=invoice.id, amount=amount, currency=invoice.currency, method=method,
                             gateway_ref=f"demo_pay_{n:03d}", txn_id=f"demo_txn_{n:03d}",
                             received_at=self.now - timedelta(days=self.rng.randrange(1, 9)))
        record_payment(self.session, None, data)
        self.counts["payments"] = self.counts.get("payments", 0) + 1

    def crm(self) -> None:
        steps = ["new", "contacted", "qualified", "won"]
        for n, (name, source, status, email, tags) in enumerate(LEADS):
            created = self.now - timedelta(days=self.rng.randrange(3, 30))
            lead = self.add(Lead(name=name, source=source, status=status, assigned_to=self.sales.id,
                                 contact={"email": email}, contact_key=f"email:{email}", tags=tags,
                                 created_at=created, updated_at=created,
                                 last_contacted_at=None if status == "new" else created + timedelta(days=1)))
            self.session.flush()
            if n % 3 != 2:  # two in three ticked the sign-up form's marketing box
                self.add(Consent(lead_id=lead.id, purpose=Purpose.marketing_email, granted=True,
                                 text_version=LEAD_OPT_IN_VERSION, method="form", created_at=created))
            depth = {"new": 1, "contacted": 2, "qualified": 3, "won": 4, "lost": 2}[status]
            for i, (channel, direction, body) in enumerate(CONVERSATION[: depth if status != "new" else 1]):
                self.add(Conversation(lead_id=lead.id, channel=channel, direction=direction, body=body,
                                      sent_at=created + timedelta(hours=4 * i + 1),
                                      author_id=None if direction == "inbound" else self.sales.id))
            if status in ("new", "contacted", "qualified"):
                self.add(Task(title=f"Follow up with {name}", assigned_to=self.sales.id,
                              linked_lead_id=lead.id,
                              due_date=self.now.date() + timedelta(days=self.rng.randrange(1, 7)),
                              description=f"Lead from {source}; current stage: {status}."))
            for i, step in enumerate(steps[: steps.index(status) + 1 if status in steps else 2]):
                self.add(FunnelStep(lead_id=lead.id, step=step, time_taken=i * 86400 // 2,
                                    conversion_flag=step == "won", occurred_at=created + timedelta(days=i)))
        self.add(Campaign(name="October webinar follow-up", medium="email", status="draft",
                          target_group={"status": ["new", "contacted"], "tags_any": ["october-webinar"]},
                          template={"subject": "Your seat in the next cohort",
                                    "body": "Hi {{name}}, thanks for joining our webinar. The next cohort of "
                                            "Data Science 101 starts soon: reply to this email to reserve "
                                            "your seat."},
                          send_at=self.now + timedelta(days=3), created_by=self.sales.id))

    def analytics(self) -> None:
        for _, pupil, course in self.enrolled:
            seconds = self.rng.randrange(1800, 36000)
            self.add(Engagement(user_id=pupil.id, course_id=course.id, time_spent=seconds,
                                activity_score=round(self.rng.uniform(40, 98), 1)))
            for kind in ("course_viewed", "lesson_completed"):
                self.add(KPIEvent(event_type=kind, source="lms", user_id=pupil.id,
                                  timestamp=self.now - timedelta(hours=self.rng.randrange(1, 200)),
                                  tags={"course_id": str(course.id)}, properties={"seconds": seconds // 10}))
        self.add(KPIEvent(event_type="lead_created", source="crm", user_id=self.sales.id, timestamp=self.now,
                          tags={"source": "website"}, properties={}))


def _has_demo_data(session: Session) -> bool:
    return session.exec(select(User.id).where(User.email == MARKER)).first() is not None


def seed_demo(tenant_id: UUID) -> dict[str, Any]:
    """Fill a tenant with demo data (deterministic); a tenant that already has it is left alone."""
    with tenant_session(tenant_id) as session:
        if _has_demo_data(session):
            return {"tenant_id": str(tenant_id), "seeded": False, "reason": "demo data already present"}
        seeder = _Seeder(session, tenant_id)
        for step in (seeder.people, seeder.courses, seeder.enrolments, seeder.school_life, seeder.money,
                     seeder.crm, seeder.analytics):
            step()
        session.flush()
    return {"tenant_id": str(tenant_id), "seeded": True, "password": DEMO_PASSWORD,
            "logins": {role: f"{local}@{DEMO_DOMAIN}" for local, _, role in STAFF[:2]},
            "rows": dict(sorted(seeder.counts.items()))}
