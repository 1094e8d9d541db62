"""Seeding a new, isolated tenant from a suite fixture: deterministic rows, no demo randomness."""

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from cognify.db import TenantSession, tenant_session
from domain.crm import service as crm
from domain.crm.models import Campaign, Lead, LeadContact, LeadCreate, LeadStatus, Task
from domain.identity.models import User, UserCreate
from domain.lms.models import Course, Enrollment
from domain.sis.billing_models import Invoice
from domain.sis.models import Student
from domain.tenancy.flows import provision_tenant
from domain.tenancy.models import TenantCreate
from evals.suite import Fixture, Refs


def new_tenant(label: str, *, region: str | None = None, plan: str = "free") -> tuple[UUID, UUID]:
    """A fresh tenant (of a region and plan) and its owner for one trial: (tenant id, owner id)."""
    slug = f"eval-{uuid4().hex[:12]}"
    tenant, owner = provision_tenant(
        TenantCreate(slug=slug, name=f"Eval {label}"[:100], region=region, plan=plan),
        UserCreate(
            email=f"owner@{slug}.example.com", password=uuid4().hex, role="owner", full_name="Olive Owner"
        ),
    )
    return tenant.id, owner.id


def _lead(session: TenantSession, spec: dict[str, Any], refs: Refs) -> Lead:
    """A lead through the CRM service (contact normalised, duplicates keyed), then its pipeline state."""
    assignee = spec.get("assigned_to")
    data = LeadCreate(
        name=spec["name"],
        source=spec.get("source", "manual"),
        notes=spec.get("notes", ""),
        tags=spec.get("tags", []),
        contact=LeadContact(email=spec.get("email"), phone=spec.get("phone")),
        assigned_to=refs[f"user.{assignee}"] if assignee else None,
    )
    lead = crm.create_lead(session, None, data)
    lead.status = LeadStatus(spec.get("status", "new"))
    return lead


def seed(tenant_id: UUID, owner_id: UUID, fixture: Fixture) -> Refs:
    """Insert the fixture's rows into the tenant; the ids they got, by `kind.key`."""
    refs: Refs = {"user.owner": owner_id}
    with tenant_session(tenant_id) as session:

        def add(kind: str, key: str, row: Any) -> None:
            session.add(row)
            session.flush()
            refs[f"{kind}.{key}"] = row.id

        for key, spec in fixture.users.items():
            email = spec.get("email", f"{key}@eval.example.com")
            add(
                "user", key, User(tenant_id=tenant_id, email=email, full_name=spec["name"], role=spec["role"])
            )
        for key, spec in fixture.leads.items():
            add("lead", key, _lead(session, spec, refs))
        for key, spec in fixture.courses.items():
            course = Course(
                tenant_id=tenant_id,
                title=spec["title"],
                description=spec.get("description", ""),
                status=spec.get("status", "published"),
                tags=spec.get("tags", []),
                teacher_ids=[refs[f"user.{t}"] for t in spec.get("teachers", [])],
                drip_schedule={"enabled": False},
            )
            add("course", key, course)
        for key, spec in fixture.students.items():
            info = {k: spec[k] for k in ("name", "email") if k in spec}
            user, guardian = spec.get("user"), spec.get("guardian")
            student = Student(
                tenant_id=tenant_id,
                user_id=refs[f"user.{user}"] if user else None,
                guardian_id=refs[f"user.{guardian}"] if guardian else None,
                personal_info=info,
            )
            add("student", key, student)
        for spec in fixture.enrollments:
            student_user = refs[f"user.{spec['student']}"]
            session.add(
                Enrollment(
                    tenant_id=tenant_id,
                    student_id=student_user,
                    course_id=refs[f"course.{spec['course']}"],
                    progress=spec.get("progress", 0),
                )
            )
        for key, spec in fixture.invoices.items():
            course = spec.get("course")
            invoice = Invoice(
                tenant_id=tenant_id,
                student_id=refs[f"student.{spec['student']}"],
                course_id=refs[f"course.{course}"] if course else None,
                amount=Decimal(str(spec["amount"])),
                currency=spec.get("currency", "USD"),
                status=spec.get("status", "open"),
                due_date=date.fromisoformat(str(spec["due_date"])) if "due_date" in spec else None,
                description=spec.get("description", ""),
            )
            add("invoice", key, invoice)
        for key, spec in fixture.campaigns.items():
            campaign = Campaign(
                tenant_id=tenant_id,
                name=spec["name"],
                medium=spec.get("medium", "email"),
                target_group=spec.get("target_group", {}),
                template=spec["template"],
                created_by=owner_id,
            )
            add("campaign", key, campaign)
        for key, spec in fixture.followups.items():
            lead, assignee = spec.get("lead"), spec.get("assigned_to")
            task = Task(
                tenant_id=tenant_id,
                title=spec["title"],
                description=spec.get("description", ""),
                due_date=date.fromisoformat(str(spec["due_date"])) if "due_date" in spec else None,
                linked_lead_id=refs[f"lead.{lead}"] if lead else None,
                assigned_to=refs[f"user.{assignee}"] if assignee else None,
                done=spec.get("done", False),
            )
            add("followup", key, task)
    return refs
