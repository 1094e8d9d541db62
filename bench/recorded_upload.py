"""An uploaded exam recording from the POST to a scored session: the worker's path, DB writes included.

Starts an embedded PostgreSQL (or uses DATABASE_URL), migrates, builds a school with a proctored exam
through the API (in-process), writes the webcam-like H.264 MP4 of `bench/recorded_analysis.py`, then
times:
- the upload (`POST /proctoring/sessions/{id}/video`: size and type checks, the decode check, storing
  the file, the outbox event);
- the Celery task's body (`proctoring.tasks.analyze_video`, run in-process as the worker runs it: every
  core, signals and progress saved in batches, evidence frames stored, segmenting, scoring, the
  certificate hold);
- `analyze_video` of the pipeline on the same file with no database (what the task adds is the rest).

    uv run python bench/recorded_upload.py [--minutes 10] [--gaze]
"""

import argparse
import json
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / folder) for folder in ("bench", "tests/proctoring", "tests/proctoring_api")]


def main() -> None:
    """Set up the services, run the timings, print one JSON line each."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--gaze", action="store_true", help="deployment setting: gaze from iris landmarks")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="cognify-bench-"))
    os.environ.setdefault("COGNIFY_SECRET_KEY", secrets.token_urlsafe(48))
    os.environ["COGNIFY_DATA_DIR"] = str(root / "data")
    if args.gaze:
        os.environ["COGNIFY_PROCTORING_GAZE"] = "true"
    os.environ.setdefault("COGNIFY_LOG_LEVEL", "WARNING")
    from cognify.embedded import EmbeddedPostgres, EmbeddedValkey

    started = []
    if not os.environ.get("DATABASE_URL"):
        started.append(EmbeddedPostgres(root / "pg", delete_on_stop=True))
        os.environ["DATABASE_URL"] = started[-1].start()
    if not os.environ.get("REDIS_URL"):
        started.append(EmbeddedValkey(root / "valkey", persist=False))
        os.environ["REDIS_URL"] = started[-1].start()
    try:
        run(root, args.minutes)
    finally:
        for service in reversed(started):
            service.stop()


def timed(fn):
    began = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - began


def run(root: Path, minutes: float) -> None:
    import uuid

    from exam_setup import as_owner, make_exam
    from fastapi.testclient import TestClient
    from recorded_analysis import SAMPLE_FPS, write_exam

    from cognify import dbadmin
    from cognify.app import create_app
    from domain.identity.models import UserCreate
    from domain.tenancy.flows import provision_tenant
    from domain.tenancy.models import TenantCreate
    from proctoring.pipeline import analyze_video as analyse_file
    from proctoring.policy import DetectorSettings
    from proctoring.tasks import analyze_video as analysis_task

    dbadmin.upgrade()
    slug = f"bench-{uuid.uuid4().hex[:6]}"
    tenant, owner = provision_tenant(TenantCreate(slug=slug, name="Bench school"),
                                     UserCreate(email=f"owner@{slug}.example.com", password="correct-horse-b",
                                                role="owner"))
    video = root / "exam.mp4"
    write_exam(video, minutes, gop=60)
    data = video.read_bytes()
    print(json.dumps({"video_min": minutes, "mp4_mb": round(len(data) / 1e6, 1),
                      "gaze": DetectorSettings().gaze, "cores": len(os.sched_getaffinity(0))}))
    with TestClient(create_app(), raise_server_exceptions=True) as client:
        exam = make_exam(client, tenant.id, owner.id)
        session_id = exam.start_session("video")
        exam.submit()
        upload, upload_s = timed(lambda: exam.api(
            "POST", f"/proctoring/sessions/{session_id}/video", content=data,
            headers={**exam.student, "Content-Type": "video/mp4"}))
        assert upload.status_code == 202, upload.text
        outcome, task_s = timed(lambda: analysis_task(str(tenant.id), session_id))
        session = exam.api("GET", f"/proctoring/sessions/{session_id}", headers=exam.proctor).json()
        timeline = exam.api("GET", f"/proctoring/sessions/{session_id}/timeline", headers=exam.proctor).json()
    ((rows,),) = as_owner(tenant.id, "SELECT count(*) FROM proctoring_frame_signals WHERE session_id = :s",
                          s=session_id)
    frames = session["frames_processed"]
    per_s = frames / task_s
    print(json.dumps({"path": "upload POST", "seconds": round(upload_s, 2)}))
    print(json.dumps({"path": "analysis task (DB writes, evidence, scoring)", "outcome": outcome,
                      "status": session["status"], "frames": frames, "signal_rows": rows,
                      "events": len(timeline["events"]),
                      "with_evidence": sum(1 for event in timeline["events"] if event["evidence_url"]),
                      "integrity_score": session["integrity_score"],
                      "seconds": round(task_s, 2), "analysed_per_s": round(per_s, 1),
                      "sixty_min_exam_s": round((3600 * SAMPLE_FPS / per_s) + upload_s * 60 / minutes, 1)}))
    pure, pure_s = timed(lambda: analyse_file(video, SAMPLE_FPS, settings=DetectorSettings()))
    print(json.dumps({"path": "pipeline analyze_video (no database)", "frames": pure.frames_analyzed,
                      "events": len(pure.events), "seconds": round(pure_s, 2),
                      "analysed_per_s": round(pure.frames_analyzed / pure_s, 1),
                      "task_overhead_share": round(1 - pure_s / task_s, 3)}))


if __name__ == "__main__":
    main()
