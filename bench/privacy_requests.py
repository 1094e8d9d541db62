"""Data-subject requests for a heavy student (10,000 rows across tables, 500 frames), and the access log.

Starts an embedded PostgreSQL (or uses DATABASE_URL), migrates, seeds a demo school, gives one student
`--rows` extra rows (KPI events, attendance, tutor audit rows, in that proportion) and `--frames`
stored evidence frames, then times in-process, as the worker runs them:
- `build_archive` (the export), three runs;
- `erase_subject` (the erasure), once (it is destructive; a second run is the no-op);
- listing 100 students as an admin with and without the FERPA access log (p50 and p95 of 200 each);
- the retention dry run and purge of another student's expired session (`--frames` frames) and
  `--rows` expired messages.

    uv run python bench/privacy_requests.py --rows 10000 --frames 500
"""

import argparse
import os
import secrets
import tempfile
import time
from pathlib import Path
from uuid import UUID


def main() -> None:
    """Seed, export, and print the timings."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--frames", type=int, default=500)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="cognify-bench-"))
    os.environ.setdefault("COGNIFY_SECRET_KEY", secrets.token_urlsafe(48))
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")  # the erasure clears the gateway cache
    os.environ["COGNIFY_DATA_DIR"] = str(root / "data")
    from cognify.embedded import EmbeddedPostgres

    pg = None
    if not os.environ.get("DATABASE_URL"):
        pg = EmbeddedPostgres(root / "pg", delete_on_stop=True)
        os.environ["DATABASE_URL"] = pg.start()
    try:
        run(args.rows, args.frames)
    finally:
        if pg is not None:
            pg.stop()


def run(rows: int, frames: int) -> None:
    import uuid

    from sqlalchemy import text

    from cognify import dbadmin
    from cognify.db import tenant_session
    from cognify.models import utcnow
    from domain.identity.models import UserCreate
    from domain.privacy.export import build_archive
    from domain.privacy.tasks import progress_reporter
    from domain.seed import seed_demo
    from domain.tenancy.flows import provision_tenant
    from domain.tenancy.models import TenantCreate

    dbadmin.upgrade()
    slug = f"bench-{uuid.uuid4().hex[:6]}"
    tenant, _ = provision_tenant(TenantCreate(slug=slug, name="Bench school"),
                                 UserCreate(email=f"owner@{slug}.example.com", password="correct-horse-b",
                                            role="owner"))
    seed_demo(tenant.id)
    kpi, attendance = rows * 8 // 10, rows // 10
    audit = rows - kpi - attendance
    with tenant_session(tenant.id) as session:
        pupil = session.execute(text("SELECT s.user_id, s.id, c.attempt_id FROM students s "
                                     "JOIN certificates c ON c.user_id = s.user_id LIMIT 1")).one()
        user_id, student_id, attempt_id = pupil
        course = session.execute(text("SELECT id FROM courses LIMIT 1")).scalar_one()
        session.execute(text(
            "INSERT INTO kpi_events (id, event_type, timestamp, source, user_id, tags, properties) "
            "SELECT gen_random_uuid(), 'content.viewed', now() - make_interval(secs => g), 'bench', :u, "
            "'{\"course\": \"bench\"}', jsonb_build_object('n', g) FROM generate_series(1, :n) g"),
            {"u": user_id, "n": kpi})
        session.execute(text(
            "INSERT INTO attendance (id, student_id, course_id, status, method, timestamp) "
            "SELECT gen_random_uuid(), :s, :c, 'present', 'manual', now() - make_interval(days => g) "
            "FROM generate_series(1, :n) g"), {"s": student_id, "c": course, "n": attendance})
        session.execute(text(
            "INSERT INTO agent_audit (id, user_id, agent, kind, tool, outcome, args, summary) "
            "SELECT gen_random_uuid(), :u, 'tutor', 'tool_call', 'search_course', 'ok', "
            "jsonb_build_object('query', 'question ' || g), 'answered question ' || g "
            "FROM generate_series(1, :n) g"), {"u": user_id, "n": audit})
        proctored = session.execute(text(
            "INSERT INTO proctoring_sessions (id, attempt_id, student_id, source, status, sample_fps, "
            "frames_processed) VALUES (gen_random_uuid(), :a, :u, 'video', 'completed', 2, 0) RETURNING id"),
            {"a": attempt_id, "u": user_id}).scalar_one()
        store_frames(session, tenant.id, proctored, frames)
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        request_id = uuid.uuid4()
        with tenant_session(tenant.id) as session:  # progress written per step, as the worker does
            data = build_archive(session, tenant.id, request_id, user_id, utcnow(),
                                 progress_reporter(tenant.id, request_id))
        timings.append(time.perf_counter() - started)
    print(f"rows={rows} frames={frames} archive={len(data) / 1e6:.1f} MB "
          f"export_s best={min(timings):.2f} worst={max(timings):.2f} (3 runs)")
    access_log(tenant.id)
    retention(tenant.id, rows, frames)
    erase(tenant.id, user_id)


def store_frames(session, tenant_id: UUID, proctored: UUID, frames: int) -> None:
    """`frames` stored frames of a proctoring session, with their signal rows."""
    from sqlalchemy import text

    from cognify.storage import get_store

    store, frame = get_store(), os.urandom(24_000)  # about a 640x480 JPEG's size
    for n in range(frames):
        key = f"{tenant_id}/proctoring/{proctored}/frames/{n}.jpg"
        store.put(key, frame, "image/jpeg")
        session.execute(text(
            "INSERT INTO proctoring_frame_signals (id, session_id, t, face_count, blocked, "
            "no_face_confirmed, frame_key) VALUES (gen_random_uuid(), :s, :t, 1, false, false, :k)"),
            {"s": proctored, "t": n / 2, "k": key})


def retention(tenant_id: UUID, rows: int, frames: int) -> None:
    """Another student's proctoring session (`frames` stored frames) 200 days old and `rows` year-old
    messages: time the dry run, the purge, and the next dry run (nothing left)."""
    from sqlalchemy import text

    from cognify.db import owner_session, tenant_session
    from domain.privacy.retention import apply_retention

    with tenant_session(tenant_id) as session:
        other, attempt = session.execute(text(
            "SELECT student_id, id FROM assessment_attempts WHERE student_id NOT IN "
            "(SELECT user_id FROM certificates) LIMIT 1")).one()
        proctored = session.execute(text(
            "INSERT INTO proctoring_sessions (id, attempt_id, student_id, source, status, sample_fps, "
            "frames_processed) VALUES (gen_random_uuid(), :a, :u, 'video', 'completed', 2, 0) RETURNING id"),
            {"a": attempt, "u": other}).scalar_one()
        store_frames(session, tenant_id, proctored, frames)
        session.execute(text(
            "INSERT INTO outbound_messages (id, channel, recipient, subject, body, status, backend, headers) "
            "SELECT gen_random_uuid(), 'email', 'parent' || g || '@example.org', 'Week ' || g, "
            "'Dear parent', 'sent', 'smtp', '{}' FROM generate_series(1, :n) g"), {"n": rows})
    with owner_session() as session:
        session.execute(text("UPDATE proctoring_sessions SET created_at = now() - interval '200 days' "
                             "WHERE id = :s"), {"s": proctored})
        session.execute(text("UPDATE outbound_messages SET created_at = now() - interval '400 days' "
                             "WHERE tenant_id = :t AND backend = 'smtp'"), {"t": tenant_id})
    for label, dry_run in (("retention_dry_run", True), ("retention_purge", False),
                           ("retention_dry_run_after", True)):
        started = time.perf_counter()
        with tenant_session(tenant_id) as session:
            report = apply_retention(session, tenant_id, dry_run=dry_run)
        elapsed = time.perf_counter() - started
        removed = sum(sum(c.rows.values()) for c in report.categories)
        print(f"{label}_s={elapsed:.3f} rows={removed} objects={sum(c.objects for c in report.categories)}")


def erase(tenant_id: UUID, user_id: UUID) -> None:
    from cognify.db import tenant_session
    from domain.privacy.erase import erase_subject

    for label in ("erase", "erase again"):
        started = time.perf_counter()
        with tenant_session(tenant_id) as session:
            report = erase_subject(session, tenant_id, user_id, lambda done, total: None)
        elapsed = time.perf_counter() - started
        summary = {k: sum(v.values()) if isinstance(v, dict) else v for k, v in report.items()}
        print(f"{label}_s={elapsed:.2f} {summary}")


def access_log(tenant_id: UUID) -> None:
    import statistics

    from sqlalchemy import text

    from cognify.db import tenant_session
    from cognify.security import Actor, Role, permissions_for
    from domain.privacy.access_log import log_reads
    from domain.sis.models import StudentPublic
    from domain.sis.service import list_students

    with tenant_session(tenant_id) as session:
        owner = session.execute(text("SELECT id FROM users WHERE role = 'owner'")).scalar_one()
        session.execute(text(
            "INSERT INTO students (id, status, personal_info, academic_history) SELECT gen_random_uuid(), "
            "'active', jsonb_build_object('name', 'Student ' || g), '[]' FROM generate_series(1, 100) g"))
    actor = Actor(owner, tenant_id, Role.owner, permissions_for(Role.owner))
    results = {}
    for logged in (False, True, False, True):
        samples = []
        for _ in range(200):
            started = time.perf_counter()
            with tenant_session(tenant_id) as session:
                rows, _ = list_students(session, actor, limit=100)
                [StudentPublic.model_validate(row) for row in rows]
                if logged:
                    log_reads(session, actor, "student", "GET /api/v1/students",
                              ((r.user_id, r.id, r.id) for r in rows))
            samples.append((time.perf_counter() - started) * 1000)
        results[logged] = sorted(samples)  # the second pass of each kind: warm
    for logged, samples in results.items():
        p50, p95 = statistics.median(samples), samples[int(len(samples) * 0.95)]
        print(f"list_100_students access_log={'on' if logged else 'off'} p50_ms={p50:.2f} p95_ms={p95:.2f}")


if __name__ == "__main__":
    main()
