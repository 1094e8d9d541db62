"""The events and flows suites (outbox relay, retries, dead letters, lead/payment/workflow flows) on
RabbitMQ: the same tests, in a pytest of their own with CELERY_BROKER_URL=amqp://... for the
producer and the worker. The main session runs them on Redis."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from kombu import Connection

ROOT = Path(__file__).resolve().parents[2]
RABBITMQ = os.environ.get("COGNIFY_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")


def test_events_and_flows_suites_pass_on_rabbitmq(services: dict[str, str]) -> None:
    try:
        with Connection(RABBITMQ, connect_timeout=3) as conn:
            conn.connect()
    except OSError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no RabbitMQ at {RABBITMQ}: {exc}")
    env = {**os.environ, "CELERY_BROKER_URL": RABBITMQ}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/events"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    tail = done.stdout[-3000:] + done.stderr[-2000:]
    assert done.returncode == 0, tail
    assert " passed" in done.stdout and "failed" not in done.stdout and "skipped" not in done.stdout, tail
