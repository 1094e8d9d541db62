"""Celery on RabbitMQ: a worker role running tasks sent there, and the events and flows suites (outbox
relay, retries, dead letters, lead/payment/workflow flows) in a pytest of their own with
CELERY_BROKER_URL=amqp://... for the producer and the worker (the main session runs them on Redis;
the fault test, which brings its own broker to restart it, runs only there).
Every test that uses the machine's RabbitMQ lives here, so parallel test workers (one file each)
never share its queues."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from kombu import Connection
from roles_helpers import Role

ROOT = Path(__file__).resolve().parents[2]
RABBITMQ = os.environ.get("COGNIFY_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")


def test_events_and_flows_suites_pass_on_rabbitmq(services: dict[str, str], tmp_path) -> None:
    try:
        with Connection(RABBITMQ, connect_timeout=3) as conn:
            conn.connect()
    except OSError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no RabbitMQ at {RABBITMQ}: {exc}")
    env = {**os.environ, "CELERY_BROKER_URL": RABBITMQ}
    # --basetemp: see tests/kernel/test_pgbouncer.py (a nested pytest must not re-secure pytest-of-<user>)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider",
                           f"--basetemp={tmp_path / 'nested'}", "tests/events",
                           "--ignore=tests/events/test_outbox_faults.py"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    tail = done.stdout[-3000:] + done.stderr[-2000:]
    assert done.returncode == 0, tail
    assert " passed" in done.stdout and "failed" not in done.stdout and "skipped" not in done.stdout, tail


def test_a_worker_on_rabbitmq_runs_tasks_sent_there(make_tenant) -> None:
    from celery import Celery
    from sqlalchemy import insert, text

    from cognify.db import tenant_session
    from domain.lms.models import ContentBlock, Course

    tenant = make_tenant()
    course = Course(tenant_id=tenant.id, title="Optics")
    block = ContentBlock(tenant_id=tenant.id, course_id=course.id, type="doc", title="Lenses",
                         body="A convex lens focuses parallel light at its focal point.")
    with tenant_session(tenant.id) as session:  # Core inserts: no event, so only our task indexes it
        session.execute(insert(Course).values(**course.model_dump()))
        session.execute(insert(ContentBlock).values(**block.model_dump()))
    broker = "amqp://guest:guest@127.0.0.1:5672//"
    role = Role("worker", "--concurrency", "1", CELERY_BROKER_URL=broker)
    try:
        assert role.wait_for_line("ready.", timeout=120), role.output
        assert "amqp://guest:**@127.0.0.1:5672//" in role.output
        Celery(broker=broker).send_task("vector.index_block", args=[str(tenant.id), str(block.id)])
        deadline = time.monotonic() + 60
        with tenant_session(tenant.id) as session:
            while not session.execute(text("SELECT count(*) FROM content_chunks WHERE source_id = :id"),
                                      {"id": block.id}).scalar():
                assert time.monotonic() < deadline, role.output
                session.rollback()
                time.sleep(0.2)
    finally:
        assert role.stop() == 0, role.output
