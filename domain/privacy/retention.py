"""Retention: per-tenant periods per category, a purge the beat runs, and the dry run that shows it first.

Each rule names the rows that expire (older than the tenant's period for its category) and what goes
with them: stored objects (proctoring media, export archives) and the rows that hang off them (a
thread's checkpoints). Rows an active legal hold protects, through their user or themselves, never
expire; the dry run counts them as `held`. The defaults are the data map's `retention_days`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from pydantic import BaseModel
from sqlalchemy import text
from sqlmodel import Session

from cognify.models import utcnow
from cognify.settings import get_settings
from cognify.storage import get_store
from domain.privacy.holds import HELD_USERS, HoldRecord, held_records
from domain.privacy.models import RetentionCategory
from domain.tenancy.models import Tenant

_SESSIONS = "(SELECT id FROM proctoring_sessions WHERE {expired})"
_THREAD_IDS = "(SELECT id::text FROM agent_threads WHERE {expired})"
_EMAILS_HELD = f"(SELECT email FROM users WHERE id IN {HELD_USERS})"


@dataclass(frozen=True)
class Step:
    """One statement of a purge: rows of `table` that go, and the stored objects named by `objects`."""

    table: str
    where: str  # on :cutoff; `{expired}` is the rule's own condition
    objects: str | None = None  # a column of `table` holding a storage key, deleted before the row
    clear: dict[str, str] = field(default_factory=dict)  # update these columns instead of deleting
    trail: str | None = None  # SQL run first on the same rows (`{where}`), to record the purge


@dataclass(frozen=True)
class Rule:
    """A category's expiry: `expired` selects rows of `table` past the cutoff; `not_held` spares holds."""

    category: RetentionCategory
    default_days: int
    table: str
    expired: str
    not_held: str
    steps: tuple[Step, ...]
    describe: str

    @property
    def tables(self) -> set[str]:
        return {self.table} | {step.table for step in self.steps}


def _proctoring() -> Rule:
    media = "session_id IN " + _SESSIONS
    return Rule(
        RetentionCategory.proctoring_evidence, 180, "proctoring_sessions", "created_at < :cutoff",
        f"id NOT IN {held_records(HoldRecord.proctoring_session)} AND student_id NOT IN {HELD_USERS}",
        (Step("proctoring_events", f"{media} AND evidence_key IS NOT NULL", objects="evidence_key",
              clear={"evidence_key": "NULL", "evidence_purged_at": ":now"}),
         Step("proctoring_frame_signals", media, objects="frame_key"),
         Step("proctoring_sessions", "({expired}) AND video_key IS NOT NULL", objects="video_key",
              clear={"video_key": "NULL"})),
        "Recordings, evidence frames and per-frame signals of sessions older than the period; the session, "
        "its flagged events and the proctor's decision stay with the attempt.")


def _conversations() -> Rule:
    by_thread = "thread_id IN " + _THREAD_IDS
    return Rule(
        RetentionCategory.ai_conversations, 365, "agent_threads", "updated_at < :cutoff",
        f"id NOT IN {held_records(HoldRecord.agent_thread)} AND user_id NOT IN {HELD_USERS}",
        (Step("checkpoint_writes", by_thread), Step("checkpoint_blobs", by_thread),
         Step("checkpoints", by_thread),
         Step("agent_audit", "thread_id IN (SELECT id FROM agent_threads WHERE {expired}) OR (thread_id IS "
                             "NULL AND created_at < :cutoff AND (user_id IS NULL OR user_id NOT IN "
                             f"{HELD_USERS}))"),
         Step("agent_threads", "{expired}")),
        "Agent threads not used for the period, with their LangGraph checkpoints and audit rows.")


def _simple(category: RetentionCategory, days: int, table: str, expired: str, not_held: str,
            describe: str) -> Rule:
    return Rule(category, days, table, expired, not_held, (Step(table, "{expired}"),), describe)


RULES: tuple[Rule, ...] = (
    _proctoring(),
    _conversations(),
    Rule(RetentionCategory.unconverted_leads, 730, "leads", "status <> 'won' AND updated_at < :cutoff",
         f"id NOT IN {held_records(HoldRecord.lead)} AND (contact_key IS NULL OR contact_key NOT IN "
         f"(SELECT 'email:' || lower(email) FROM users WHERE id IN {HELD_USERS}))",
         (Step("funnel_steps", "lead_id IN (SELECT id FROM leads WHERE {expired})"),
          Step("leads", "{expired}")),
         "Leads not won and not touched for the period, with their conversations, funnel steps, campaign "
         "sends, linked tasks and consent records."),
    Rule(RetentionCategory.export_archives, 7, "privacy_requests",
         "archive_key IS NOT NULL AND archive_expires_at < :now", f"subject_user_id NOT IN {HELD_USERS}",
         (Step("privacy_requests", "{expired}", objects="archive_key", clear={"archive_key": "NULL"},
               trail="INSERT INTO privacy_request_events (id, tenant_id, request_id, state, message) "
                     "SELECT gen_random_uuid(), tenant_id, id, state, 'export archive expired and deleted' "
                     "FROM privacy_requests WHERE {where}"),),
         "Export archives past their expiry (set from this period when the export was made); the request "
         "and its audit trail stay."),
    _simple(RetentionCategory.messages, 365, "outbound_messages",
            "created_at < :cutoff AND status <> 'queued'", f"recipient NOT IN {_EMAILS_HELD}",
            "Emails, SMS and WhatsApp messages sent or stored more than the period ago."),
    _simple(RetentionCategory.workflow_runs, 365, "workflow_runs", "created_at < :cutoff",
            f"subject_id IS NULL OR (subject_id NOT IN {HELD_USERS} AND subject_id NOT IN "
            f"(SELECT id FROM students WHERE user_id IN {HELD_USERS}))",
            "Workflow runs older than the period."),
    _simple(RetentionCategory.outbox_events, 30, "outbox_events",
            "processed_at IS NOT NULL AND processed_at < :cutoff", "true",
            "Domain events delivered to their handlers more than the period ago."),
    _simple(RetentionCategory.dead_letters, 90, "dead_letters", "created_at < :cutoff", "true",
            "Handler failures recorded more than the period ago."),
)
RULE_BY_CATEGORY = {rule.category: rule for rule in RULES}
DEFAULT_DAYS = {rule.category: rule.default_days for rule in RULES}


class RuleReport(BaseModel):
    """What one category's purge removes (the dry run) or removed."""

    category: RetentionCategory
    days: int
    source: str  # "tenant" when the tenant set the period, else "default"
    cutoff: datetime
    describe: str
    rows: dict[str, int]  # per table: rows deleted, or rows whose stored object goes
    objects: int  # stored objects deleted
    held: int  # rows past the cutoff that an active legal hold keeps


class RetentionReport(BaseModel):
    """A tenant's purge, per category."""

    dry_run: bool
    at: datetime
    categories: list[RuleReport]


def periods(session: Session, tenant_id: UUID) -> dict[RetentionCategory, tuple[int, str]]:
    """The tenant's period per category, and whether it is the tenant's or the default."""
    from domain.privacy.service import privacy_settings

    tenant = session.get(Tenant, tenant_id)
    custom = privacy_settings(session, tenant_id).retention_days
    legacy = ((tenant.customizations if tenant else {}).get("proctoring") or {}).get("retention_days")
    if RetentionCategory.proctoring_evidence not in custom and isinstance(legacy, int) and legacy >= 0:
        custom = {**custom, RetentionCategory.proctoring_evidence: legacy}  # the setting before this one
    defaults = {**DEFAULT_DAYS, RetentionCategory.export_archives: get_settings().privacy_export_days}
    return {c: (custom[c], "tenant") if c in custom else (d, "default") for c, d in defaults.items()}


def _count(session: Session, sql: str, params: dict[str, Any]) -> int:
    return int(session.execute(text(f"SELECT count(*) FROM {sql}"), params).scalar_one())


def _run_rule(session: Session, rule: Rule, params: dict[str, Any], dry_run: bool,
              delete_object: Callable[[str], None]) -> tuple[dict[str, int], int, int]:
    expired = f"({rule.expired}) AND ({rule.not_held})"
    held = _count(session, f"{rule.table} WHERE ({rule.expired}) AND NOT ({rule.not_held})", params)
    rows: dict[str, int] = {}
    objects = 0
    for step in rule.steps:
        where = step.where.format(expired=expired)
        if step.objects:
            keys = session.execute(text(f"SELECT {step.objects} FROM {step.table} WHERE ({where}) "
                                        f"AND {step.objects} IS NOT NULL"), params).scalars().all()
            objects += len(keys)
            if not dry_run:
                for key in keys:
                    delete_object(key)
        if not dry_run and step.trail:
            session.execute(text(step.trail.format(where=where)), params)
        if dry_run:
            counted = _count(session, f"{step.table} WHERE {where}", params)
            rows[step.table] = rows.get(step.table, 0) + counted
        elif step.clear:
            sets = ", ".join(f"{column} = {value}" for column, value in step.clear.items())
            result = session.execute(text(f"UPDATE {step.table} SET {sets} WHERE {where}"), params)
            rows[step.table] = rows.get(step.table, 0) + result.rowcount
        else:
            result = session.execute(text(f"DELETE FROM {step.table} WHERE {where}"), params)
            rows[step.table] = rows.get(step.table, 0) + result.rowcount
    return rows, objects, held


def apply_retention(session: Session, tenant_id: UUID, *, dry_run: bool,
                    now: datetime | None = None) -> RetentionReport:
    """Purge (on a dry run: count) what the tenant's periods have expired, in the session's transaction."""
    now = now or utcnow()
    store = get_store()
    reports = []
    for category, (days, source) in periods(session, tenant_id).items():
        rule = RULE_BY_CATEGORY[category]
        cutoff = now - timedelta(days=days)
        rows, objects, held = _run_rule(session, rule, {"cutoff": cutoff, "now": now}, dry_run, store.delete)
        reports.append(RuleReport(category=category, days=days, source=source, cutoff=cutoff,
                                  describe=rule.describe, rows=rows, objects=objects, held=held))
    return RetentionReport(dry_run=dry_run, at=now, categories=reports)
