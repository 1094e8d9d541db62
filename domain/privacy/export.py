"""The right of access: everything the data map reaches for one subject, as a ZIP.

Layout of the archive (documented in the README):
- `manifest.json`: request id, tenant, subject, generated_at, and per table its file, category,
  row count and columns (secrets and binary columns are left out);
- `data/<table>.json`: `{"table", "category", "rows": [...]}`, one object per row, as stored;
- `threads/<thread id>.json`: `{"thread_id", "agent", "title", "created_at", "messages": [...]}`, a readable
  transcript of each of the subject's tutor and copilot conversations (user, assistant and tool messages);
- `files/<key>`: the subject's stored objects (proctoring recordings and evidence frames, certificate PDFs).
"""

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlmodel import Session, select

from agents.checkpoint import latest_messages
from agents.models import AgentThread
from agents.transcript import transcript
from cognify.errors import NotFound
from cognify.storage import get_store
from domain.certification.service import pdf_key
from domain.lms.models import Certificate, CertificateStatus
from domain.privacy.datamap import DATA_MAP, Column, TableEntry

# Stored objects that belong to the subject: (table, key column) pairs reached by the table's subject rule.
OBJECT_COLUMNS = (("proctoring_sessions", "video_key"), ("proctoring_events", "evidence_key"),
                  ("proctoring_frame_signals", "frame_key"), ("proctoring_enrolments", "photo_key"))
BINARY_COLUMNS = frozenset({"blob", "embedding", "tsv"})


def exported_tables() -> list[TableEntry]:
    """Every table with a subject rule."""
    return [entry for entry in DATA_MAP.values() if entry.subject]


def _rows(session: Session, entry: TableEntry, user_id: UUID) -> list[dict[str, Any]]:
    hidden = {name for name, kind in entry.columns.items() if kind == Column.secret} | BINARY_COLUMNS
    # The alias is no column name of any table (`proctoring_frame_signals` has a column `t`).
    query = f"SELECT to_jsonb(exported) AS row FROM {entry.table} AS exported WHERE {entry.subject}"
    result = session.execute(text(query), {"user_id": user_id})
    return [{k: v for k, v in row.items() if k not in hidden} for (row,) in result]


def subject_object_keys(session: Session, user_id: UUID) -> Iterator[str]:
    """The keys of the subject's stored objects: recordings, evidence and frames, issued certificate PDFs."""
    for table, column in OBJECT_COLUMNS:
        subject = DATA_MAP[table].subject
        query = f"SELECT {column} FROM {table} WHERE ({subject}) AND {column} IS NOT NULL"
        result = session.execute(text(query), {"user_id": user_id})
        yield from (key for (key,) in result)
    issued = select(Certificate).where(Certificate.user_id == user_id,
                                       Certificate.status == CertificateStatus.issued)
    yield from (pdf_key(certificate) for certificate in session.exec(issued))


def build_archive(session: Session, tenant_id: UUID, request_id: UUID, user_id: UUID, now: datetime,
                  progress: Callable[[int, int], None]) -> bytes:
    """The subject's archive; `progress(done, total)` after each table and file."""
    tables = exported_tables()
    keys = list(dict.fromkeys(subject_object_keys(session, user_id)))
    threads = list(session.exec(select(AgentThread).where(AgentThread.user_id == user_id)))
    total, done = len(tables) + len(keys) + 1, 0
    manifest: dict[str, Any] = {"request_id": str(request_id), "tenant_id": str(tenant_id),
                                "subject_user_id": str(user_id), "generated_at": now.isoformat(),
                                "tables": [], "threads": [], "files": []}
    buffer = io.BytesIO()
    store = get_store()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for entry in tables:
            rows = _rows(session, entry, user_id)
            name = f"data/{entry.table}.json"
            archive.writestr(name, json.dumps({"table": entry.table, "category": entry.category.value,
                                               "rows": rows}, indent=1, default=str))
            manifest["tables"].append({"table": entry.table, "file": name, "category": entry.category.value,
                                       "rows": len(rows), "note": entry.note})
            done += 1
            progress(done, total)
        messages = latest_messages(tenant_id, (str(thread.id) for thread in threads))
        for thread in threads:
            name = f"threads/{thread.id}.json"
            lines = transcript(messages[str(thread.id)])
            archive.writestr(name, json.dumps({"thread_id": str(thread.id), "agent": thread.agent,
                                               "title": thread.title, "created_at": thread.created_at,
                                               "messages": lines}, indent=1, default=str))
            manifest["threads"].append({"thread_id": str(thread.id), "file": name, "messages": len(lines)})
        done += 1
        progress(done, total)
        for key in keys:
            try:
                data = store.get(key)
            except NotFound:
                manifest["files"].append({"key": key, "missing": True})
            else:
                archive.writestr(f"files/{key}", data)
                manifest["files"].append({"key": key, "file": f"files/{key}", "bytes": len(data)})
            done += 1
            progress(done, total)
        archive.writestr("manifest.json", json.dumps(manifest, indent=1))
    return buffer.getvalue()
