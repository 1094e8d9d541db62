"""Schemathesis over every operation of the OpenAPI schema: no server errors, responses as documented.

The caller is the owner of a tenant filled with the demo data, so operations with ids in their path
reach real rows: each id parameter is, in turn, a seeded id and whatever schemathesis generates.
DELETE and the state-changing actions run on a tenant of their own, seeded for that operation.
"""

import itertools
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import text

from cognify.app import create_app
from cognify.db import owner_engine

schema = schemathesis.openapi.from_dict(create_app().openapi())
CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance)
# Path parameter -> the table whose seeded row it names.
ID_TABLES = {
    "user_id": "users", "course_id": "courses", "module_id": "modules", "block_id": "content_blocks",
    "assessment_id": "assessments", "attempt_id": "assessment_attempts", "enrollment_id": "enrollments",
    "certificate_id": "certificates", "lead_id": "leads", "message_id": "conversations",
    "campaign_id": "campaigns", "task_id": "tasks", "student_id": "students",
    "attendance_id": "attendance", "timetable_id": "timetables", "invoice_id": "invoices",
    "payment_id": "payments", "workflow_id": "workflows", "key_id": "gateway_keys",
    "session_id": "proctoring_sessions", "dead_letter_id": "dead_letters",
}
DESTRUCTIVE = {"DELETE"}


def _seeded_tenant(client) -> dict:
    """A new tenant with the demo data, its seeded ids by path parameter, and owner headers."""
    from domain.identity.models import UserCreate
    from domain.seed import seed_demo
    from domain.tenancy.flows import provision_tenant
    from domain.tenancy.models import TenantCreate

    slug, password = f"fuzz-{uuid.uuid4().hex[:10]}", "correct-horse-battery"
    email = f"owner@{slug}.example.com"
    tenant, _ = provision_tenant(TenantCreate(slug=slug, name=f"Fuzz {slug}"),
                                 UserCreate(email=email, password=password, role="owner", full_name="Olive"))
    seed_demo(tenant.id)
    ids: dict[str, str] = {"tenant_slug": slug, "slug": slug, "agent": "copilot"}
    with owner_engine().connect() as conn:
        for param, table in ID_TABLES.items():
            row = conn.execute(text(f"SELECT id FROM {table} WHERE tenant_id = :t LIMIT 1"),  # noqa: S608
                               {"t": tenant.id}).first()
            if row:
                ids[param] = str(row[0])
        code = conn.execute(text("SELECT verification_code FROM certificates WHERE tenant_id = :t LIMIT 1"),
                            {"t": tenant.id}).first()
        if code:
            ids["code"] = code[0]
    token = client.post("/api/v1/auth/token", data={"username": email, "password": password, "tenant": slug})
    assert token.status_code == 200, token.text
    return {"ids": ids, "headers": {"Authorization": f"Bearer {token.json()['access_token']}"}}


@pytest.fixture(scope="module")
def shared_tenant(client) -> dict:
    return _seeded_tenant(client)


@pytest.fixture
def fuzz_tenant(request, client, shared_tenant) -> dict:
    """The shared seeded tenant, or a fresh one for an operation that destroys what it names."""
    if any(f"[{method} " in request.node.name for method in DESTRUCTIVE):
        return _seeded_tenant(client)
    return shared_tenant


_turn = itertools.count()


@schema.parametrize()
# Derandomized: every run tries the same examples, so a new find cannot block an unrelated landing;
# to explore further, run this file locally with `derandomize=False`.
@settings(max_examples=15, deadline=None, phases=[Phase.explicit, Phase.generate], derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_responses_match_the_schema(case, client, fuzz_tenant) -> None:
    ids = fuzz_tenant["ids"]
    if next(_turn) % 2 == 0:  # every other example names a seeded row
        for name in case.path_parameters or {}:
            if name in ids:
                case.path_parameters[name] = ids[name]
    case.headers = {**(case.headers or {}), **fuzz_tenant["headers"]}
    case.call_and_validate(app=client.app, base_url="http://testserver", checks=CHECKS)
