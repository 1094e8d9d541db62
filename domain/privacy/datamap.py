"""The data map: every table that holds tenant data, what it holds, whose it is, and what erasure does.

Each entry classifies its table (category), says how a row reaches the data subject (a SQL condition on
the subject's user id, `:user_id`), the default retention, and what erasing the subject does to its rows.
Every text, JSON and array column is classified too, so a migration that adds a column or a table this
map does not name fails `tests/privacy/test_data_map.py`: no feature escapes export, erasure and retention.
"""

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field


class Category(enum.StrEnum):
    """What kind of data a table holds."""

    identity = "identity"
    academic = "academic"
    financial = "financial"
    proctoring = "proctoring"
    ai_conversation = "ai_conversation"
    crm = "crm"
    messaging = "messaging"
    analytics = "analytics"
    content = "content"
    configuration = "configuration"
    system = "system"
    privacy = "privacy"


class Erasure(enum.StrEnum):
    """What erasing a data subject does to the rows that are theirs."""

    delete = "delete"
    anonymise = "anonymise"
    legal_hold = "legal_hold"  # kept under a legal duty; personal fields pseudonymised
    none = "none"  # rows are nobody's personal data


class Column(enum.StrEnum):
    """What a text, JSON or array column holds."""

    personal = "personal"  # identifies or describes a person
    free_text = "free_text"  # written by people: may name anyone
    reference = "reference"  # keys, codes, enumerations, hashes
    content = "content"  # teaching material and configuration, not about a person
    secret = "secret"  # credentials


@dataclass(frozen=True)
class TableEntry:
    """One table of the data map."""

    table: str
    category: Category
    erasure: Erasure
    columns: Mapping[str, Column]
    subject: str | None = None  # SQL condition selecting the subject's rows, on :user_id
    retention_days: int | None = None  # default retention; None: kept while the account lives
    tenant_scoped: bool = True  # has tenant_id and row-level security
    note: str = ""
    # Columns erasure overwrites (SQL expressions) on rows it keeps (anonymise, legal_hold); every personal
    # and free-text column is also swept for the subject's name, email and phone.
    pseudonymise: Mapping[str, str] = field(default_factory=dict)

    @property
    def personal_columns(self) -> list[str]:
        return [name for name, kind in self.columns.items() if kind in (Column.personal, Column.free_text)]


_P, _F, _R, _C, _S = Column.personal, Column.free_text, Column.reference, Column.content, Column.secret
_STUDENT_ROWS = "student_id IN (SELECT id FROM students WHERE user_id = :user_id)"
_SUBJECT_LEADS = ("lead_id IN (SELECT id FROM leads WHERE contact_key IN "
                  "(SELECT 'email:' || lower(email) FROM users WHERE id = :user_id))")
_THREADS = "thread_id IN (SELECT id::text FROM agent_threads WHERE user_id = :user_id)"
_SESSIONS = "session_id IN (SELECT id FROM proctoring_sessions WHERE student_id = :user_id)"

ENTRIES: tuple[TableEntry, ...] = (
    # identity
    TableEntry("users", Category.identity, Erasure.anonymise, subject="id = :user_id",
               columns={"email": _P, "full_name": _P, "role": _R, "login_type": _R, "password_hash": _S},
               pseudonymise={"email": "'erased-' || id || '@erased.example'", "full_name": "'Erased user'",
                             "password_hash": "NULL", "is_active": "false"},
               note="The row stays so kept records still point somewhere; name, email and password go."),
    TableEntry("students", Category.identity, Erasure.legal_hold, subject="user_id = :user_id",
               columns={"status": _R, "personal_info": _P, "academic_history": _P},
               pseudonymise={"personal_info": """'{"name": "Erased student"}'""", "academic_history": "'[]'"},
               note="Invoices reference the student record, so it stays with its personal fields cleared."),
    # academic records
    TableEntry("enrollments", Category.academic, Erasure.delete, subject="student_id = :user_id",
               columns={"status": _R}),
    TableEntry("assessment_attempts", Category.academic, Erasure.delete, subject="student_id = :user_id",
               columns={"answers": _F, "status": _R}),
    TableEntry("attendance", Category.academic, Erasure.delete, subject=_STUDENT_ROWS,
               columns={"status": _R, "method": _R, "reason": _F}),
    TableEntry("certificates", Category.academic, Erasure.delete, subject="user_id = :user_id",
               columns={"template_id": _R, "verification_code": _R, "status": _R},
               note="The issued PDF in object storage goes with the row."),
    # money
    TableEntry("invoices", Category.financial, Erasure.legal_hold, subject=_STUDENT_ROWS,
               columns={"currency": _R, "status": _R, "txn_id": _R, "description": _F},
               note="Kept for the accounting retention duty: amounts, dates and references; the description "
                    "loses the subject's name."),
    TableEntry("payments", Category.financial, Erasure.legal_hold,
               subject=f"invoice_id IN (SELECT id FROM invoices WHERE {_STUDENT_ROWS})",
               columns={"gateway_ref": _R, "txn_id": _R, "currency": _R, "method": _R, "status": _R}),
    # proctoring (biometric-adjacent)
    TableEntry("proctoring_sessions", Category.proctoring, Erasure.delete, subject="student_id = :user_id",
               retention_days=180,
               columns={"source": _R, "status": _R, "video_key": _R, "error": _R, "decision": _R,
                        "decision_note": _F, "ended_reason": _F},
               note="Retention removes the recording from object storage; erasure the row too."),
    TableEntry("proctoring_events", Category.proctoring, Erasure.delete, subject=_SESSIONS,
               retention_days=180,
               columns={"type": _R, "source": _R, "evidence_key": _R},
               note="Retention removes the evidence frames from object storage; erasure the rows too."),
    TableEntry("proctoring_frame_signals", Category.proctoring, Erasure.delete, subject=_SESSIONS,
               retention_days=180, columns={"frame_key": _R}),
    TableEntry("proctoring_notes", Category.proctoring, Erasure.delete, subject=_SESSIONS,
               columns={"body": _F},
               note="Proctors' notes while watching or reviewing; kept with the session and its decision."),
    TableEntry("proctoring_enrolments", Category.proctoring, Erasure.delete, subject="user_id = :user_id",
               columns={"photo_key": _R, "embedding": _P},
               note="Biometric: only with the biometric_identity consent; the photo is exported, the "
                    "embedding is not (binary); erasure deletes both."),
    # AI conversations
    TableEntry("agent_threads", Category.ai_conversation, Erasure.delete, subject="user_id = :user_id",
               retention_days=365, columns={"agent": _R, "title": _F}),
    TableEntry("agent_audit", Category.ai_conversation, Erasure.delete, subject="user_id = :user_id",
               retention_days=365,
               columns={"agent": _R, "kind": _R, "tool": _R, "tool_call_id": _R, "outcome": _R,
                        "args": _F, "summary": _F},
               note="Tool calls made by others that name the subject are redacted."),
    TableEntry("checkpoints", Category.ai_conversation, Erasure.delete, subject=_THREADS, retention_days=365,
               tenant_scoped=False,
               columns={"thread_id": _R, "checkpoint_ns": _R, "checkpoint_id": _R, "parent_checkpoint_id": _R,
                        "type": _R, "checkpoint": _F, "metadata": _F},
               note="LangGraph's tables: no tenant column; owned through agent_threads (random thread ids)."),
    TableEntry("checkpoint_blobs", Category.ai_conversation, Erasure.delete, subject=_THREADS,
               retention_days=365, tenant_scoped=False,
               columns={"thread_id": _R, "checkpoint_ns": _R, "channel": _R, "version": _R, "type": _R}),
    TableEntry("checkpoint_writes", Category.ai_conversation, Erasure.delete, subject=_THREADS,
               retention_days=365, tenant_scoped=False,
               columns={"thread_id": _R, "checkpoint_ns": _R, "checkpoint_id": _R, "task_id": _R,
                        "channel": _R, "type": _R, "task_path": _R}),
    TableEntry("gateway_usage", Category.financial, Erasure.legal_hold, subject="user_id = :user_id",
               columns={"purpose": _R, "model_group": _R, "deployment": _R, "outcome": _R, "request_id": _R},
               pseudonymise={"user_id": "NULL"},
               note="The usage ledger bills the tenant: rows stay, the user link goes. Prompts are never "
                    "stored here; the gateway's exact cache in Redis holds them and is cleared."),
    # CRM
    TableEntry("leads", Category.crm, Erasure.delete, retention_days=730,
               subject="contact_key IN (SELECT 'email:' || lower(email) FROM users WHERE id = :user_id)",
               columns={"name": _P, "source": _R, "status": _R, "notes": _F, "contact": _P,
                        "contact_key": _P, "tags": _R, "search_text": _P},
               note="The subject's lead, found by email; retention applies to unconverted leads."),
    TableEntry("conversations", Category.crm, Erasure.delete, subject=_SUBJECT_LEADS,
               columns={"channel": _R, "direction": _R, "body": _F}),
    TableEntry("funnel_steps", Category.analytics, Erasure.delete, subject=_SUBJECT_LEADS,
               columns={"step": _R}),
    TableEntry("tasks", Category.crm, Erasure.anonymise,
               subject=_SUBJECT_LEADS.replace("lead_id", "linked_lead_id"),
               columns={"title": _F, "description": _F}, pseudonymise={"linked_lead_id": "NULL"},
               note="Staff work items: kept, unlinked from the subject's lead, the subject's name redacted."),
    TableEntry("campaigns", Category.crm, Erasure.none,
               columns={"name": _C, "medium": _R, "target_group": _C, "template": _C, "status": _R}),
    TableEntry("campaign_sends", Category.crm, Erasure.delete, subject=_SUBJECT_LEADS, columns={}),
    # messaging
    TableEntry("outbound_messages", Category.messaging, Erasure.delete,
               subject="recipient = (SELECT email FROM users WHERE id = :user_id)", retention_days=365,
               columns={"channel": _R, "recipient": _P, "subject": _F, "body": _F, "status": _R,
                        "backend": _R, "error": _F, "headers": _R}),
    # analytics
    TableEntry("kpi_events", Category.analytics, Erasure.delete, subject="user_id = :user_id",
               columns={"event_type": _R, "source": _R, "tags": _F, "properties": _F}),
    TableEntry("engagement", Category.analytics, Erasure.delete, subject="user_id = :user_id", columns={}),
    # teaching content and configuration: nobody's personal data
    TableEntry("courses", Category.content, Erasure.none,
               columns={"title": _C, "description": _C, "type": _R, "tags": _C, "media": _C,
                        "drip_schedule": _C, "status": _R, "teacher_ids": _R}),
    TableEntry("modules", Category.content, Erasure.none,
               columns={"name": _C, "description": _C, "content_block_refs": _R}),
    TableEntry("content_blocks", Category.content, Erasure.none,
               columns={"type": _R, "title": _C, "body": _C, "storage_key": _R}),
    TableEntry("content_chunks", Category.content, Erasure.none,
               columns={"source_type": _R, "content_type": _R, "title": _C, "heading_path": _C, "text": _C,
                        "embedding_model": _R, "content_hash": _R},
               note="Vector chunks of course content only; no student writing is indexed."),
    TableEntry("assessments", Category.content, Erasure.none,
               columns={"title": _C, "type": _R, "questions": _C, "late_policy": _R}),
    TableEntry("timetables", Category.content, Erasure.none,
               columns={"name": _C, "classroom_id": _R, "periods": _C, "teachers": _C, "subjects": _C,
                        "weeks": _R}),
    TableEntry("workflows", Category.configuration, Erasure.none,
               columns={"name": _C, "description": _C, "subject": _R, "trigger_event": _R, "condition": _C,
                        "actions": _C, "default_key": _R}),
    TableEntry("workflow_runs", Category.system, Erasure.delete, retention_days=365,
               subject="subject_id = :user_id OR "
                       "subject_id IN (SELECT id FROM students WHERE user_id = :user_id)",
               columns={"spell": _R, "status": _R, "results": _F, "error": _F}),
    TableEntry("gateway_keys", Category.configuration, Erasure.none,
               columns={"name": _C, "key_hash": _S, "prefix": _R}),
    TableEntry("tenant_secrets", Category.configuration, Erasure.none, columns={"webhook_secret": _S}),
    TableEntry("tenants", Category.configuration, Erasure.none, tenant_scoped=False,
               columns={"name": _C, "slug": _R, "plan": _R, "region": _R, "customizations": _C, "theme": _C},
               note="The directory of tenants; row-level security shows each tenant its own row."),
    TableEntry("tenant_directory", Category.configuration, Erasure.none, tenant_scoped=False,
               columns={"slug": _R, "region": _R},
               note="Residency: which region's database holds each tenant; the one table all regions share."),
    # plumbing that may carry personal data in payloads
    TableEntry("outbox_events", Category.system, Erasure.anonymise, retention_days=30,
               columns={"event_type": _R, "payload": _F, "last_error": _F},
               note="Event payloads carry ids; any that name the subject are redacted."),
    TableEntry("privacy_requests", Category.privacy, Erasure.legal_hold,
               subject="subject_user_id = :user_id",
               retention_days=7,
               columns={"type": _R, "state": _R, "archive_key": _R, "error": _F, "result": _R},
               note="Proof that a request was answered; its export archive expires after 7 days."),
    TableEntry("privacy_request_events", Category.privacy, Erasure.legal_hold,
               subject="request_id IN (SELECT id FROM privacy_requests WHERE subject_user_id = :user_id)",
               columns={"state": _R, "message": _R}, note="Append-only audit trail of each request."),
    TableEntry("consents", Category.privacy, Erasure.legal_hold,
               subject=f"user_id = :user_id OR {_SUBJECT_LEADS}",
               columns={"purpose": _R, "text_version": _R, "method": _R},
               note="Append-only proof of consent and withdrawal, of users and of leads (marketing); kept to "
                    "show lawful processing; a lead's go with the lead."),
    TableEntry("record_access_log", Category.privacy, Erasure.legal_hold,
               subject="student_user_id = :user_id OR accessor_id = :user_id",
               columns={"record_type": _R, "accessor_role": _R, "via": _R},
               note="Append-only: who read a student's education record (FERPA); ids only, no content."),
    TableEntry("legal_holds", Category.privacy, Erasure.legal_hold, subject="user_id = :user_id",
               columns={"record_type": _R, "reason": _F},
               note="Holds stop retention purges and erasure of what they name; released holds stay as "
                    "history."),
    TableEntry("outbox_receipts", Category.system, Erasure.none, columns={"handler": _R}),
    TableEntry("dead_letters", Category.system, Erasure.anonymise, retention_days=90,
               columns={"event_type": _R, "handler": _R, "payload": _F, "error": _F}),
)

# Tables that hold no tenant data at all.
SYSTEM_TABLES = frozenset({"alembic_version", "checkpoint_migrations"})
# Data outside PostgreSQL, and what erasure does there.
STORES: tuple[dict[str, str], ...] = (
    {"store": "object storage", "holds": "proctoring recordings and evidence frames, certificate PDFs",
     "erasure": "delete the subject's objects with their rows"},
    {"store": "redis gw:cache:<tenant>:*", "holds": "the gateway's exact cache: prompts and answers",
     "erasure": "clear the tenant's cache entries"},
    {"store": "redis gw:ledger", "holds": "ledger entries on their way to gateway_usage",
     "erasure": "moved within seconds; then as gateway_usage"},
)

DATA_MAP: Mapping[str, TableEntry] = {entry.table: entry for entry in ENTRIES}


def markdown_table() -> str:
    """The data map as the README shows it (a test keeps the two equal)."""
    lines = ["| table | category | personal columns | retention (days) | erasure |",
             "| --- | --- | --- | --- | --- |"]
    for entry in ENTRIES:
        personal = ", ".join(f"`{name}`" for name in entry.personal_columns) or "-"
        lines.append(f"| `{entry.table}` | {entry.category} | {personal} | "
                     f"{entry.retention_days or '-'} | {entry.erasure.value.replace('_', ' ')} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown_table(), end="")
