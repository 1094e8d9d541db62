"""The data map covers every table and text column the migrations create, and its subject rules work."""

import os

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from domain.privacy.datamap import DATA_MAP, SYSTEM_TABLES, Column

TEXT_TYPES = ("text", "character varying", "character", "jsonb", "json", "ARRAY")


def _schema() -> dict[str, dict[str, str]]:
    """Every public table's columns and their types, as the migrations left them (read as the owner)."""
    url = make_url(os.environ.get("DATABASE_DIRECT_URL") or os.environ["DATABASE_URL"])
    with psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False)) as conn:
        rows = conn.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'public'").fetchall()
    tables: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, {})[column] = data_type
    return tables


def _rls_tables() -> set[str]:
    url = make_url(os.environ.get("DATABASE_DIRECT_URL") or os.environ["DATABASE_URL"])
    with psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False)) as conn:
        rows = conn.execute("SELECT relname FROM pg_class WHERE relkind = 'r' AND relrowsecurity").fetchall()
    return {name for (name,) in rows}


def test_every_table_the_migrations_create_is_classified():
    unclassified = sorted(set(_schema()) - set(DATA_MAP) - SYSTEM_TABLES)
    assert not unclassified, f"tables missing from domain/privacy/datamap.py: {unclassified}"


def test_every_text_json_and_array_column_is_classified():
    schema = _schema()
    missing = [f"{table}.{column}" for table, entry in DATA_MAP.items()
               for column, data_type in schema[table].items()
               if data_type in TEXT_TYPES and column not in entry.columns]
    assert not missing, f"columns missing from domain/privacy/datamap.py: {missing}"


def test_the_map_names_only_columns_that_exist():
    schema = _schema()
    stale = [f"{table}.{column}" for table, entry in DATA_MAP.items()
             for column in (*entry.columns, *entry.pseudonymise) if column not in schema.get(table, {})]
    assert not stale, f"the data map names columns no migration creates: {stale}"


def test_tenant_scoped_entries_are_isolated_by_row_level_security():
    schema, protected = _schema(), _rls_tables()
    for table, entry in DATA_MAP.items():
        assert entry.tenant_scoped == ("tenant_id" in schema[table]), table
        if entry.tenant_scoped:
            assert table in protected, f"{table} holds tenant data without row-level security"
    assert "tenants" in protected  # the directory shows each tenant only its own row


def test_a_column_added_by_a_new_migration_fails_the_check():
    """Negative control: the coverage rule sees a column the map does not name."""
    schema = _schema()
    schema["users"]["nickname"] = "text"
    missing = [column for column, data_type in schema["users"].items()
               if data_type in TEXT_TYPES and column not in DATA_MAP["users"].columns]
    assert missing == ["nickname"]


def test_personal_tables_name_their_subject_and_erasure():
    for entry in DATA_MAP.values():
        personal = any(kind in (Column.personal, Column.free_text) for kind in entry.columns.values())
        if entry.erasure.value != "none":
            assert entry.subject or entry.erasure.value == "anonymise", entry.table
        if personal and entry.erasure.value == "none":
            pytest.fail(f"{entry.table} holds personal data but erasure does nothing")


def test_subject_rules_find_a_seeded_students_rows_and_no_one_elses(make_tenant):
    from cognify.db import tenant_session
    from domain.seed import seed_demo

    tenant, other = make_tenant(), make_tenant()
    seed_demo(tenant.id)
    seed_demo(other.id)
    with tenant_session(tenant.id) as session:
        user_id = session.execute(text(
            "SELECT s.user_id FROM students s JOIN invoices i ON i.student_id = s.id "
            "JOIN payments p ON p.invoice_id = i.id JOIN attendance a ON a.student_id = s.id "
            "WHERE s.user_id IS NOT NULL LIMIT 1")).scalar_one()
        counts = {table: session.execute(text(f"SELECT count(*) FROM {table} WHERE {entry.subject}"),
                                         {"user_id": user_id}).scalar_one()
                  for table, entry in DATA_MAP.items() if entry.subject}
        everyone = {table: session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                    for table in ("users", "students", "enrollments", "attendance", "invoices")}
    for table in ("users", "students", "enrollments", "attendance", "invoices", "payments"):
        assert counts[table] >= 1, (table, counts)
    assert counts["users"] == 1 and counts["students"] == 1
    for table, total in everyone.items():
        assert counts[table] < total, table  # the rule picks the subject's rows, not the table
    with tenant_session(other.id) as session:  # the same rules in another tenant reach nothing
        assert all(session.execute(text(f"SELECT count(*) FROM {table} WHERE {entry.subject}"),
                                   {"user_id": user_id}).scalar_one() == 0
                   for table, entry in DATA_MAP.items() if entry.subject and entry.tenant_scoped)


def test_admins_read_the_data_map_and_others_may_not(client, make_tenant, login, make_user):
    tenant = make_tenant()
    owner = login(tenant.slug, tenant.owner_email, tenant.password)
    response = client.get("/api/v1/privacy/data-map", headers=owner)
    assert response.status_code == 200, response.text
    body = response.json()
    tables = {row["table"]: row for row in body["tables"]}
    assert set(tables) == set(DATA_MAP)
    assert tables["invoices"]["erasure"] == "legal_hold"
    assert tables["students"]["pseudonymised_on_hold"] == ["personal_info", "academic_history"]
    assert "email" in tables["users"]["personal_columns"]
    assert tables["proctoring_sessions"]["retention_days"] == 180
    assert any("cache" in store["store"] for store in body["stores"])
    _, admin = make_user(tenant, "admin")
    assert client.get("/api/v1/privacy/data-map", headers=admin).status_code == 200
    for role in ("teacher", "student", "parent"):
        _, headers = make_user(tenant, role)
        response = client.get("/api/v1/privacy/data-map", headers=headers)
        assert response.status_code == 403, (role, response.text)
        assert response.json()["error"]["code"] == "forbidden"
    assert client.get("/api/v1/privacy/data-map").status_code == 401


def test_the_readme_shows_the_data_map_as_it_is():
    from pathlib import Path

    from domain.privacy.datamap import markdown_table

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert markdown_table() in readme, "regenerate the README's data map: python -m domain.privacy.datamap"


def test_every_retention_period_of_the_data_map_is_enforced_by_a_rule():
    from domain.privacy.retention import RULES

    for table, entry in DATA_MAP.items():
        if entry.retention_days is not None:
            rules = [rule for rule in RULES if table in rule.tables]
            assert [rule.default_days for rule in rules] == [entry.retention_days], table
    for rule in RULES:
        assert DATA_MAP[rule.table].retention_days == rule.default_days, rule.category
