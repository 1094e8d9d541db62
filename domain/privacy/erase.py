"""The right to erasure: what the data map says, in PostgreSQL, object storage and the gateway's cache.

Erasing a subject, inside one tenant session (row-level security keeps it to the tenant):
1. find the subject's identifiers (name, email, phone) and every row each table's subject rule selects,
   before anything changes, because rules reach through other tables (a lead by the user's email);
2. delete the subject's stored objects (recordings, evidence frames, certificate PDFs, export archives);
3. overwrite the `pseudonymise` columns of the rows kept (anonymise, legal hold), then delete the rows
   whose erasure is `delete`, children before parents;
4. sweep every other text, JSON and array column of the tenant for the identifiers ("[erased]"), and
   mask them in LangGraph's binary checkpoint blobs with a mask of the same length (msgpack stays valid);
5. clear the tenant's gateway cache in Redis (it holds prompts, which may name anyone).
A subject already erased is left alone: erasing twice changes nothing.
"""

import re
from collections.abc import Callable
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlmodel import Session

from cognify.redis import get_redis
from cognify.storage import get_store
from domain.privacy.datamap import DATA_MAP, ENTRIES, Column, Erasure, TableEntry
from domain.privacy.export import subject_object_keys

ERASED_DOMAIN = "erased.example"
REDACTED = "[erased]"
_SWEPT = frozenset({Column.personal, Column.free_text, Column.content})
_TENANT_THREADS = "thread_id IN (SELECT id::text FROM agent_threads)"
_BLOBS = {"checkpoint_blobs": ("thread_id", "checkpoint_ns", "channel", "version"),
          "checkpoint_writes": ("thread_id", "checkpoint_ns", "checkpoint_id", "task_id", "idx")}
_IDENTIFIERS = """
    SELECT full_name, email, NULL FROM users WHERE id = :user_id
    UNION ALL SELECT personal_info->>'name', personal_info->>'email', personal_info->>'phone'
      FROM students WHERE user_id = :user_id
    UNION ALL SELECT name, contact->>'email', contact->>'phone' FROM leads WHERE {leads}
"""


def identifiers(session: Session, user_id: UUID) -> list[str]:
    """The subject's name, email and phone numbers as the tenant holds them (longest first)."""
    rows = session.execute(text(_IDENTIFIERS.format(leads=DATA_MAP["leads"].subject)), {"user_id": user_id})
    found = {value.strip() for row in rows for value in row if value and len(value.strip()) >= 3}
    return sorted(found, key=lambda value: (-len(value), value))


def _pattern(values: list[str]) -> str:
    """A case-insensitive PostgreSQL regex matching any value as a whole word."""
    escaped = ["".join(ch if ch.isalnum() else "\\" + ch for ch in value) for value in values]
    return f"(?<![[:alnum:]_])(?:{'|'.join(escaped)})(?![[:alnum:]_])"


def _columns(session: Session, table: str) -> dict[str, str]:
    """Column name -> data type (text arrays as `text[]`), for columns that are not generated."""
    rows = session.execute(text(
        "SELECT column_name, CASE WHEN udt_name IN ('_text', '_varchar') THEN 'text[]' ELSE data_type END "
        "FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = :table AND is_generated = 'NEVER'"),
        {"table": table})
    return dict(rows.all())


def _primary_key(session: Session, table: str) -> list[str]:
    rows = session.execute(text(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
        "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = CAST(:table AS regclass) AND i.indisprimary "
        "ORDER BY array_position(i.indkey, a.attnum)"), {"table": table})
    return [name for (name,) in rows]


def _capture(session: Session, entry: TableEntry, user_id: UUID) -> tuple[str, str]:
    """Keep the subject's rows of one table (their primary keys) in a temporary table; its name and key."""
    key = ", ".join(_primary_key(session, entry.table))
    scratch = f"erase_{entry.table}"
    session.execute(text(f"CREATE TEMP TABLE {scratch} ON COMMIT DROP AS "
                         f"SELECT {key} FROM {entry.table} WHERE {entry.subject}"), {"user_id": user_id})
    return scratch, key


def _rewrite(kind: str, column: str) -> str | None:
    """An expression replacing the pattern (:pattern) in a column of this type, or None."""
    replace = f"regexp_replace({{}}, :pattern, '{REDACTED}', 'gi')"
    if kind in ("text", "character varying"):
        return replace.format(column)
    if kind in ("json", "jsonb"):
        return f"CAST({replace.format(f'{column}::text')} AS {kind})"
    if kind == "text[]":
        return f"ARRAY(SELECT {replace.format('item')} FROM unnest({column}) AS item)"
    return None


def _sweep(session: Session, entry: TableEntry, pattern: str) -> int:
    """Redact the pattern in the table's personal, free-text and content columns; rows changed.

    Reference columns (keys, codes, audit messages the platform writes) hold no names and are left alone,
    which also keeps this off append-only tables, where the app role may not UPDATE."""
    types = _columns(session, entry.table)
    changed = 0
    scope = "" if entry.tenant_scoped or entry.table == "tenants" else f" AND {_TENANT_THREADS}"
    for column, kind in entry.columns.items():
        expression = _rewrite(types.get(column, ""), column)
        if kind not in _SWEPT or expression is None:
            continue
        result = session.execute(text(f"UPDATE {entry.table} SET {column} = {expression} "
                                      f"WHERE {column}::text ~* :pattern{scope}"), {"pattern": pattern})
        changed += result.rowcount  # type: ignore[attr-defined]
    return changed


def _mask_blobs(session: Session, values: list[str]) -> int:
    """Mask the identifiers inside the tenant's binary checkpoint blobs, byte for byte; blobs changed."""
    # No word boundaries here: a msgpack string starts right after its length byte, which may be a letter.
    regex = re.compile(b"|".join(re.escape(value.encode()) for value in values), re.IGNORECASE)
    changed = 0
    for table, key in _BLOBS.items():
        rows = session.execute(text(f"SELECT {', '.join(key)}, blob FROM {table} "
                                    f"WHERE blob IS NOT NULL AND {_TENANT_THREADS}")).all()
        for *ids, blob in rows:
            original = bytes(blob)
            masked = regex.sub(lambda match: b"*" * len(match.group()), original)
            if masked != original:
                where = " AND ".join(f"{name} = :k{i}" for i, name in enumerate(key))
                session.execute(text(f"UPDATE {table} SET blob = :blob WHERE {where}"),
                                {"blob": masked, **{f"k{i}": value for i, value in enumerate(ids)}})
                changed += 1
    return changed


def clear_gateway_cache(tenant_id: UUID) -> int:
    """Delete the tenant's cached gateway responses; the number deleted."""
    client, deleted = get_redis(), 0
    batch: list[bytes] = []
    for key in client.scan_iter(match=f"gw:cache:{tenant_id}:*", count=500):
        batch.append(key)
        if len(batch) == 500:
            deleted += client.delete(*batch)
            batch = []
    return deleted + (client.delete(*batch) if batch else 0)


def _archive_keys(session: Session, user_id: UUID) -> list[str]:
    rows = session.execute(text("SELECT archive_key FROM privacy_requests WHERE subject_user_id = :user_id "
                                "AND archive_key IS NOT NULL"), {"user_id": user_id})
    return [key for (key,) in rows]


def is_erased(session: Session, user_id: UUID) -> bool:
    """Whether the subject was erased already (their user row carries the erased address)."""
    email = session.execute(text("SELECT email FROM users WHERE id = :id"), {"id": user_id}).scalar()
    return email is None or str(email).endswith(f"@{ERASED_DOMAIN}")


def erase_subject(session: Session, tenant_id: UUID, user_id: UUID,
                  progress: Callable[[int, int], None]) -> dict[str, Any]:
    """Erase one subject; a report of what changed, per table and store."""
    if is_erased(session, user_id):
        return {"already_erased": True}
    values = identifiers(session, user_id)
    pattern = _pattern(values)
    selected = [entry for entry in ENTRIES if entry.subject]
    keys = list(dict.fromkeys([*subject_object_keys(session, user_id), *_archive_keys(session, user_id)]))
    total, done = len(selected) + len(keys) + len(ENTRIES) + 2, 0
    captured = {entry.table: _capture(session, entry, user_id) for entry in selected}
    report: dict[str, Any] = {"deleted": {}, "pseudonymised": {}, "redacted": {}, "objects_deleted": 0}

    store = get_store()
    for key in keys:
        store.delete(key)
        report["objects_deleted"] += 1
        done += 1
        progress(done, total)
    for entry in selected:  # overwrite what the kept rows must lose, then delete children before parents
        scratch, key = captured[entry.table]
        if entry.pseudonymise and entry.erasure in (Erasure.anonymise, Erasure.legal_hold):
            sets = ", ".join(f"{column} = {expression}" for column, expression in entry.pseudonymise.items())
            result = session.execute(text(f"UPDATE {entry.table} SET {sets} "
                                          f"WHERE ({key}) IN (SELECT {key} FROM {scratch})"))
            report["pseudonymised"][entry.table] = result.rowcount  # type: ignore[attr-defined]
    for entry in reversed(selected):
        scratch, key = captured[entry.table]
        if entry.erasure == Erasure.delete:
            result = session.execute(text(f"DELETE FROM {entry.table} "
                                          f"WHERE ({key}) IN (SELECT {key} FROM {scratch})"))
            report["deleted"][entry.table] = result.rowcount  # type: ignore[attr-defined]
        done += 1
        progress(done, total)
    for entry in ENTRIES:
        if values and (changed := _sweep(session, entry, pattern)):
            report["redacted"][entry.table] = changed
        done += 1
        progress(done, total)
    report["checkpoint_blobs_masked"] = _mask_blobs(session, values) if values else 0
    done += 1
    progress(done, total)
    report["gateway_cache_cleared"] = clear_gateway_cache(tenant_id)
    progress(total, total)
    return report
