"""Row-level security: one tenant never sees another's rows, even through raw SQL."""

from uuid import UUID

from sqlalchemy import text

from cognify.db import app_engine, tenant_session


def tenant_tables() -> list[str]:
    """Every table with a tenant_id column."""
    with app_engine().connect() as conn:
        return list(conn.execute(text(
            "SELECT table_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND column_name = 'tenant_id' ORDER BY table_name"
        )).scalars())


def test_app_role_is_subject_to_rls() -> None:
    with app_engine().connect() as conn:
        role = conn.execute(text(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        )).one()
        owned = conn.execute(text(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user"
        )).scalar_one()
    assert role == (False, False)
    assert owned == 0


def test_every_tenant_table_has_rls_and_a_policy() -> None:
    tables = tenant_tables()
    assert "users" in tables
    with app_engine().connect() as conn:
        rows = conn.execute(text(
            "SELECT c.relname, c.relrowsecurity, "
            "(SELECT count(*) FROM pg_policies p WHERE p.tablename = c.relname) "
            "FROM pg_class c WHERE c.relname = ANY(:t) AND c.relkind = 'r'"
        ), {"t": tables}).all()
    assert {name for name, rls, policies in rows if rls and policies} == set(tables)


APPEND_ONLY = frozenset({"privacy_request_events", "consents", "record_access_log"})


def test_raw_select_without_where_sees_only_own_tenant(make_tenant) -> None:
    from domain.seed import seed_demo

    a, b = make_tenant(), make_tenant()
    seed_demo(b.id)
    seeded = set()
    for table in tenant_tables():
        with tenant_session(b.id) as session:
            if session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one():
                seeded.add(table)
        with tenant_session(a.id) as session:
            tenants = session.execute(text(f"SELECT DISTINCT tenant_id FROM {table}")).scalars().all()
            assert set(tenants) <= {a.id}, table
            if table in APPEND_ONLY:  # the app role may not change these at all (tests/privacy proves it)
                continue
            own = session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            changed = session.execute(text(f"UPDATE {table} SET tenant_id = tenant_id")).rowcount
            deleted = session.execute(text(f"DELETE FROM {table} WHERE tenant_id = :b"), {"b": b.id})
            assert changed == own and deleted.rowcount == 0, table
    core = {"users", "courses", "modules", "content_blocks", "assessments", "enrollments",
            "assessment_attempts", "certificates", "leads", "campaigns", "tasks", "conversations",
            "students", "attendance", "timetables", "invoices", "payments", "kpi_events",
            "engagement", "funnel_steps"}
    assert core <= seeded, core - seeded
    with tenant_session(a.id) as session:
        visible = session.execute(text("SELECT id FROM tenants")).scalars().all()
    assert visible == [a.id]


def test_session_without_tenant_sees_no_rows(make_tenant) -> None:
    make_tenant()
    with tenant_session(None) as session:
        for table in [*tenant_tables(), "tenants"]:
            assert session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == 0, table


def test_insert_for_another_tenant_is_refused(make_tenant) -> None:
    a, b = make_tenant(), make_tenant()
    with tenant_session(a.id) as session:
        result = session.execute(
            text("UPDATE users SET full_name = 'hijacked' WHERE tenant_id = :b"), {"b": b.id}
        )
        assert result.rowcount == 0
    try:
        with tenant_session(a.id) as session:
            session.execute(text(
                "INSERT INTO users (id, tenant_id, email, role) "
                "VALUES (gen_random_uuid(), :b, 'x@example.com', 'student')"
            ), {"b": b.id})
        raise AssertionError("insert into another tenant succeeded")
    except Exception as exc:  # noqa: BLE001
        assert "row-level security" in str(exc)


def test_tenant_setting_does_not_leak_across_pooled_transactions(make_tenant) -> None:
    a = make_tenant()
    with tenant_session(a.id) as session:
        assert session.execute(text("SELECT count(*) FROM users")).scalar_one() == 1
    for _ in range(3):
        with tenant_session(None) as session:
            assert session.execute(text("SELECT count(*) FROM users")).scalar_one() == 0


def test_other_tenants_user_by_id_is_404_for_every_verb(client, make_tenant, login) -> None:
    a, b = make_tenant(), make_tenant()
    headers = login(a.slug, a.owner_email)
    target = f"/api/v1/users/{b.owner_id}"
    assert client.get(target, headers=headers).status_code == 404
    assert client.patch(target, json={"full_name": "x"}, headers=headers).status_code == 404
    assert client.delete(target, headers=headers).status_code == 404
    missing = f"/api/v1/users/{UUID(int=1)}"
    assert client.get(missing, headers=headers).json() == client.get(target, headers=headers).json()
    with tenant_session(b.id) as session:
        name = session.execute(text("SELECT full_name FROM users WHERE id = :i"), {"i": b.owner_id})
        assert name.scalar_one() == "Olive Owner"
