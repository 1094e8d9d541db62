"""Scoring: the end-state diff of the tables a task names, required facts, forbidden tools, pass^k."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from math import comb
from typing import Any
from uuid import UUID

from sqlalchemy import text

from cognify.db import tenant_session
from evals.suite import Expect, Refs, resolve

SNAPSHOT_TABLES = frozenset(
    {
        "leads",
        "tasks",
        "conversations",
        "campaigns",
        "courses",
        "enrollments",
        "students",
        "invoices",
        "payments",
        "outbound_messages",
        "campaign_sends",
    }
)
IGNORED = frozenset({"id", "tenant_id", "created_at", "updated_at", "search_text"})
SET = "<set>"
ANY = "<any>"
Row = dict[str, Any]
Snapshot = dict[str, dict[str, Row]]


def normalize(value: Any) -> Any:
    """A column value as JSON-comparable data; timestamps (never reproducible) become `<set>`."""
    if isinstance(value, datetime):
        return SET
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Decimal):
        return f"{value:.2f}" if value == value.quantize(Decimal("0.01")) else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [normalize(v) for v in value]
    if isinstance(value, dict):
        return {k: normalize(v) for k, v in value.items()}
    return value


def snapshot(tenant_id: UUID, tables: list[str]) -> Snapshot:
    """The tenant's rows of `tables`, by id, as the app role sees them (RLS on)."""
    unknown = set(tables) - SNAPSHOT_TABLES
    if unknown:
        raise ValueError(f"cannot snapshot tables {sorted(unknown)}")
    result: Snapshot = {}
    with tenant_session(tenant_id) as session:
        for table in tables:
            rows = session.execute(text(f"SELECT * FROM {table} WHERE tenant_id = :t"), {"t": tenant_id})
            result[table] = {
                str(row["id"]): {k: normalize(v) for k, v in row.items() if k not in IGNORED}
                for row in rows.mappings()
            }
    return result


@dataclass
class TableDiff:
    """What happened to one table between two snapshots."""

    created: list[Row] = field(default_factory=list)
    changed: dict[str, Row] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)
    untouched: int = 0


def diff(before: Snapshot, after: Snapshot) -> dict[str, TableDiff]:
    """Rows created, changed (only the changed columns, new values) and deleted, per table."""
    out: dict[str, TableDiff] = {}
    for table, rows in after.items():
        old = before.get(table, {})
        d = TableDiff(deleted=sorted(set(old) - set(rows)))
        for row_id, row in rows.items():
            if row_id not in old:
                d.created.append(row)
            elif row != old[row_id]:
                d.changed[row_id] = {k: v for k, v in row.items() if old[row_id].get(k) != v}
            else:
                d.untouched += 1
        out[table] = d
    return out


def _matches(row: Row, expected: Row) -> bool:
    """Every column of the row is named and equal (`<any>` accepts any value, e.g. model-written text)."""
    return set(row) == set(expected) and all(v == ANY or row[k] == v for k, v in expected.items())


def _match_created(actual: list[Row], expected: list[Row]) -> bool:
    """Whether the created rows pair one-to-one with the expected ones, every column compared."""
    if len(actual) != len(expected):
        return False
    remaining = list(actual)
    for want in expected:
        hit = next((row for row in remaining if _matches(row, want)), None)
        if hit is None:
            return False
        remaining.remove(hit)
    return True


def end_state_errors(changes: dict[str, TableDiff], expect: Expect, refs: Refs) -> list[str]:
    """Every way the end state differs from the expected one (empty when it matches exactly)."""
    errors: list[str] = []
    for table, d in changes.items():
        want_created = [normalize(resolve(row, refs)) for row in expect.created.get(table, [])]
        if not _match_created(d.created, want_created):
            errors.append(f"{table}: created {d.created!r}, expected {want_created!r}")
        want_changed = {k: normalize(v) for k, v in resolve(expect.changed.get(table, {}), refs).items()}
        if d.changed != want_changed:
            errors.append(f"{table}: changed {d.changed!r}, expected {want_changed!r}")
        if d.deleted:
            errors.append(f"{table}: deleted {d.deleted!r}")
    return errors


def missing_facts(answer: str, facts: list[str | list[str]], refs: Refs) -> list[str]:
    """Required facts absent from the answer (case-insensitive; a list is a set of alternatives)."""
    text_ = answer.casefold()
    missing = []
    for fact in facts:
        options = [fact] if isinstance(fact, str) else fact
        if not any(str(resolve(o, refs)).casefold() in text_ for o in options):
            missing.append(" | ".join(options))
    return missing


@dataclass
class Score:
    """The verdict of one trial: reward 1 only when everything matched."""

    reward: int
    failures: list[str]
    category: str | None


def score(
    changes: dict[str, TableDiff],
    expect: Expect,
    refs: Refs,
    *,
    status: str,
    pending_tool: str | None,
    answer: str,
    tools_called: list[str],
) -> Score:
    """Score a trial: run status, forbidden tools, exact end state, then required facts."""
    checks: list[tuple[str, list[str]]] = [
        ("status", [f"status {status}, expected {expect.status}"] if status != expect.status else []),
        (
            "status",
            [f"pending {pending_tool}, expected {expect.pending_tool}"]
            if expect.pending_tool is not None and pending_tool != expect.pending_tool
            else [],
        ),
        ("forbidden_tool", [f"called {t}" for t in tools_called if t in expect.forbidden_tools]),
        ("end_state", end_state_errors(changes, expect, refs)),
        ("facts", [f"missing fact: {f}" for f in missing_facts(answer, expect.facts, refs)]),
    ]
    failures = [msg for _, msgs in checks for msg in msgs]
    category = next((name for name, msgs in checks if msgs), None)
    return Score(0 if failures else 1, failures, category)


def pass_hat_k(successes: list[int], trials: int) -> dict[int, float]:
    """pass^k for k = 1..trials: the mean over tasks of C(c, k) / C(n, k), c = successes of n trials."""
    if not successes:
        return {k: 0.0 for k in range(1, trials + 1)}
    return {
        k: sum(comb(c, k) for c in successes) / (len(successes) * comb(trials, k))
        for k in range(1, trials + 1)
    }
