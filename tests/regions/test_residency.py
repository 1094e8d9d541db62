"""Residency: an eu tenant's rows and files exist only in the eu database and store, a us tenant's only
in the home one; sign-in and the API work for both; a request of one region reaches nothing of the other."""

from uuid import UUID

import psycopg
import pytest
from conftest import Regions
from sqlalchemy.engine import make_url

from domain.webhooks.signing import HEADER, sign

PASSWORD = "long-enough-pw"


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _rows_of(url: str, tenant_id: UUID) -> dict[str, int]:
    """Per table of one database, the rows of a tenant (the directory apart)."""
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND column_name = 'tenant_id' ORDER BY 1")]
        counts = {table: conn.execute(f"SELECT count(*) FROM {table} WHERE tenant_id = %s",
                                      (tenant_id,)).fetchone()[0] for table in tables}
        counts["tenants"] = conn.execute("SELECT count(*) FROM tenants WHERE id = %s",
                                         (tenant_id,)).fetchone()[0]
    return {table: n for table, n in counts.items() if n}


def _files(root, tenant_id: UUID) -> list[str]:
    base = root / str(tenant_id)
    return sorted(str(p.relative_to(root)) for p in base.rglob("*") if p.is_file()) if base.exists() else []


def _busy_school(client, tenant, login) -> dict[str, str]:
    """Sign in, and use the API the way a school does: staff, a course, a lead, a task, consent, a key."""
    owner = login(tenant.slug, tenant.owner_email, tenant.password)
    teacher = client.post("/api/v1/users", headers=owner, json={
        "email": f"teacher@{tenant.slug}.example.com", "password": PASSWORD, "role": "teacher",
        "full_name": "Tess Teacher"})
    assert teacher.status_code == 201, teacher.text
    course = client.post("/api/v1/courses", headers=owner, json={"title": "Algebra I"})
    assert course.status_code == 201, course.text
    lead = client.post("/api/v1/leads", headers=owner, json={
        "name": "Lena Lead", "source": "web", "contact": {"email": f"lena@{tenant.slug}.example.org"},
        "marketing_consent": True})
    assert lead.status_code == 201, lead.text
    task = client.post("/api/v1/tasks", headers=owner, json={"title": "Call Lena",
                                                              "linked_lead_id": lead.json()["id"]})
    assert task.status_code == 201, task.text
    key = client.post("/api/v1/gateway/keys", headers=owner, json={"name": "lms"})
    assert key.status_code == 201, key.text
    return {"owner": owner, "teacher_id": teacher.json()["id"], "course_id": course.json()["id"],
            "lead_id": lead.json()["id"], "key": key.json()["key"]}


@pytest.fixture(scope="module")
def schools(regions: Regions):
    """Filled in by the first test: one school per region."""
    return {}


def test_each_tenants_rows_and_files_stay_in_its_region(client, regions: Regions, make_tenant, login,
                                                         schools) -> None:
    from domain.privacy.tasks import run_request

    eu, us = make_tenant(region="eu"), make_tenant(region="us")
    for name, tenant in (("eu", eu), ("us", us)):
        school = _busy_school(client, tenant, login)
        export = client.post("/api/v1/privacy/requests", headers=school["owner"],
                             json={"type": "export", "subject_user_id": school["teacher_id"]})
        assert export.status_code == 202, export.text
        assert run_request.apply((str(tenant.id), export.json()["id"])).get() == "done"
        done = client.get(f"/api/v1/privacy/requests/{export.json()['id']}", headers=school["owner"]).json()
        assert client.get(done["download_url"]).status_code == 200  # the archive, from the region's store
        schools[name] = (tenant, school)

    databases = {"eu": regions.eu_url, "us": regions.us_url, "home": regions.home_url}
    for name, tenant in (("eu", eu), ("us", us)):
        rows = {db: _rows_of(url, tenant.id) for db, url in databases.items()}
        assert {"tenants", "users", "courses", "leads", "tasks", "consents", "gateway_keys",
                "privacy_requests", "outbox_events"} <= rows[name].keys(), rows
        assert all(found == {} for db, found in rows.items() if db != name), rows
    # the directory is the one shared table: it names both, in the home database only
    with psycopg.connect(_libpq(regions.home_url), autocommit=True) as home:
        listed = dict(home.execute("SELECT id, region FROM tenant_directory WHERE id IN (%s, %s)",
                                   (eu.id, us.id)).fetchall())
    assert listed == {eu.id: "eu", us.id: "us"}
    for url in (regions.eu_url, regions.us_url):
        with psycopg.connect(_libpq(url), autocommit=True) as abroad:
            assert abroad.execute("SELECT count(*) FROM tenant_directory").fetchone()[0] == 0

    assert [f for f in _files(regions.eu_dir, eu.id) if "/privacy/exports/" in f]
    assert [f for f in _files(regions.us_dir, us.id) if "/privacy/exports/" in f]
    for root, tenant in ((regions.us_dir, eu), (regions.home_dir, eu), (regions.eu_dir, us),
                         (regions.home_dir, us)):
        assert _files(root, tenant.id) == [], (root, tenant.slug)


def test_sign_in_and_the_api_work_in_both_regions(client, regions: Regions, schools) -> None:
    for tenant, school in schools.values():
        owner = school["owner"]
        assert client.get("/api/v1/tenants/current", headers=owner).json()["id"] == str(tenant.id)
        assert client.get(f"/api/v1/courses/{school['course_id']}", headers=owner).status_code == 200
        leads = client.get("/api/v1/leads", headers=owner).json()
        assert [lead["id"] for lead in leads["data"]] == [school["lead_id"]]
        assert client.get("/api/v1/users", headers=owner).json()["count"] == 2
        consent = client.get("/api/v1/privacy/consents", headers=owner)
        assert consent.status_code == 200, consent.text
        retention = client.get("/api/v1/privacy/retention", headers=owner)
        assert retention.status_code == 200, retention.text
        models = client.get("/v1/models", headers={"Authorization": f"Bearer {school['key']}"})
        assert models.status_code == 200, models.text  # the key is found in its tenant's region
        secret = client.get("/api/v1/admin/webhook-secret", headers=owner).json()["webhook_secret"]
        body = b'{"name": "Webb Hook", "email": "webb@example.org", "source": "web_form"}'
        hook = client.post(f"/api/v1/webhooks/leads/{tenant.slug}", content=body, headers={
            HEADER: sign(secret, body), "Content-Type": "application/json"})
        assert hook.status_code == 202, hook.text  # the slug resolves to its region, the lead lands there
        assert client.get("/api/v1/leads", headers=owner).json()["count"] == 2


def test_a_request_of_one_region_reaches_nothing_of_the_other(client, regions: Regions, schools,
                                                                login) -> None:
    (eu, eu_school), (us, us_school) = schools["eu"], schools["us"]
    for mine, theirs in ((eu_school, us_school), (us_school, eu_school)):
        owner = mine["owner"]
        assert client.get(f"/api/v1/users/{theirs['teacher_id']}", headers=owner).status_code == 404
        assert client.get(f"/api/v1/courses/{theirs['course_id']}", headers=owner).status_code == 404
        assert client.patch(f"/api/v1/leads/{theirs['lead_id']}", headers=owner,
                            json={"name": "Taken"}).status_code == 404
        export = client.post("/api/v1/privacy/requests", headers=owner,
                             json={"type": "export", "subject_user_id": theirs["teacher_id"]})
        assert export.status_code == 404
    wrong = client.post("/api/v1/auth/token", data={"username": eu.owner_email, "password": eu.password,
                                                     "tenant": us.slug})
    assert wrong.status_code == 401
    assert client.get(f"/api/v1/tenants/{us.slug}", headers=eu_school["owner"]).status_code == 403


def _pending(url: str, tenant_id: UUID) -> int:
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM outbox_events WHERE tenant_id = %s "
                            "AND processed_at IS NULL", (tenant_id,)).fetchone()[0]


def test_migrations_beat_tasks_and_the_relay_visit_every_region(regions: Regions, schools) -> None:
    from cognify import dbadmin
    from cognify.db import tenant_ids
    from cognify.outbox import relay_batch
    from domain.tenancy.flows import count_tenants

    (eu, _), (us, _) = schools["eu"], schools["us"]
    assert dbadmin.upgrade() == ["home", "eu", "us"]  # all at head already: a no-op on each
    # the session's worker knows no regions: these events wait for a relay that does
    assert _pending(regions.eu_url, eu.id) > 0 and _pending(regions.us_url, us.id) > 0
    assert {eu.id, us.id} <= set(tenant_ids()) and count_tenants() >= 2
    relay_batch(500, "eu")
    assert _pending(regions.eu_url, eu.id) == 0 and _pending(regions.us_url, us.id) > 0
    relay_batch(500, "us")
    assert _pending(regions.us_url, us.id) == 0


def test_a_region_without_a_database_is_refused_and_nothing_is_listed(regions: Regions) -> None:
    from sqlalchemy import text

    from cognify.db import owner_session
    from cognify.errors import ValidationFailed
    from cognify.settings import RegionConfig
    from domain.identity.models import UserCreate
    from domain.tenancy.flows import provision_tenant
    from domain.tenancy.models import TenantCreate

    with pytest.raises(ValidationFailed) as refused:
        provision_tenant(TenantCreate(slug="mumbai-school", name="Mumbai", region="in"),
                         UserCreate(email="o@mumbai.example.com", password=PASSWORD, role="owner"))
    assert refused.value.code == "region_unavailable" and refused.value.details == {"regions": ["eu", "us"]}
    with owner_session() as session:
        assert session.execute(text("SELECT count(*) FROM tenant_directory WHERE slug = 'mumbai-school'")
                               ).scalar_one() == 0
    with pytest.raises(ValueError, match="storage_dir or s3_bucket"):
        RegionConfig(database_url=regions.eu_url)


def test_readiness_checks_every_regions_database(client, regions: Regions) -> None:
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["database"] == "ok", ready.text


def test_agent_checkpoints_stay_in_the_tenants_region(client, regions: Regions, schools) -> None:
    import asyncio

    from langchain_core.messages import AIMessage, HumanMessage
    from langgraph.checkpoint.base import empty_checkpoint

    from agents.checkpoint import latest_messages, open_checkpointer

    eu, school = schools["eu"]
    thread = client.post("/api/v1/agents/copilot/threads", headers=school["owner"])
    assert thread.status_code == 201, thread.text
    thread_id = thread.json()["thread_id"]

    async def write() -> None:  # a loop without the app's pools: the checkpointer's own connection
        async with open_checkpointer(eu.id) as saver:
            checkpoint = empty_checkpoint()
            said = [HumanMessage("Overdue invoices?"), AIMessage("Two.")]
            checkpoint["channel_values"] = {"messages": said}
            checkpoint["channel_versions"] = {"messages": "1"}
            await saver.aput({"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}, checkpoint,
                             {"source": "loop", "step": 1}, {"messages": "1"})

    asyncio.run(write())
    counts = {}
    for name, url in (("eu", regions.eu_url), ("home", regions.home_url)):
        with psycopg.connect(_libpq(url), autocommit=True) as conn:
            counts[name] = conn.execute("SELECT count(*) FROM checkpoints WHERE thread_id = %s",
                                        (thread_id,)).fetchone()[0]
    assert counts == {"eu": 1, "home": 0}
    read = latest_messages(eu.id, [thread_id])[thread_id]
    assert [m.content for m in read] == ["Overdue invoices?", "Two."]
    # the API reads it back through its pool for the eu database
    shown = client.get(f"/api/v1/agents/copilot/threads/{thread_id}", headers=school["owner"])
    assert shown.status_code == 200, shown.text
    assert [m["content"] for m in shown.json()["messages"]] == ["Overdue invoices?", "Two."]


def test_a_tenant_from_before_the_regions_stays_where_its_data_is(client, regions: Regions, login) -> None:
    legacy = regions.legacy  # region "eu", created while one database served every region
    owner = login(legacy.slug, legacy.owner_email, legacy.password)
    assert client.get("/api/v1/tenants/current", headers=owner).json()["region"] == "eu"
    assert client.post("/api/v1/courses", headers=owner, json={"title": "Still here"}).status_code == 201
    assert _rows_of(regions.eu_url, legacy.id) == {}
    assert _rows_of(regions.us_url, legacy.id) == {}
    assert {"tenants", "users", "courses"} <= _rows_of(regions.home_url, legacy.id).keys()
