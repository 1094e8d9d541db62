"""Test session: one embedded PostgreSQL + pgvector and one Valkey (or DATABASE_URL / REDIS_URL)."""

import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

TEST_ROOT = Path(os.environ.get("COGNIFY_TEST_TMP", "/tmp")) / f"cognify-tests-{os.getpid()}"
os.environ["COGNIFY_ENV"] = "test"
os.environ["COGNIFY_DATA_DIR"] = str(TEST_ROOT / "data")
os.environ.setdefault("COGNIFY_SECRET_KEY", secrets.token_urlsafe(48))
os.environ["COGNIFY_LOG_JSON"] = "true"


# Files that take a minute or more: scheduled first, so the two test processes end together instead of
# one of them running the last slow file alone.
SLOW_FILES = ("test_replicas.py", "test_outbox_faults.py", "test_up.py", "test_brokers.py", "test_roles.py",
              "test_pgbouncer.py", "test_api_fuzz.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow files first (a stable sort: every file keeps its own order)."""
    items.sort(key=lambda item: item.path.name not in SLOW_FILES)


def broker_url() -> str:
    """The session's Celery broker: CELERY_BROKER_URL when given, else the test Redis."""
    return os.environ.get("CELERY_BROKER_URL") or os.environ["REDIS_URL"]


def _fresh_database(server_url: str) -> str:
    """A new, empty database on a server given by DATABASE_URL."""
    name = f"cognify_test_{uuid.uuid4().hex[:8]}"
    url = make_url(server_url)
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session", autouse=True)
def services() -> Iterator[dict[str, str]]:
    """Start (or use) PostgreSQL and Redis, migrate, and expose their URLs to every process."""
    from cognify.embedded import EmbeddedPostgres, EmbeddedValkey

    TEST_ROOT.mkdir(parents=True, exist_ok=True)
    started = []
    if os.environ.get("DATABASE_URL"):  # a server of the caller's (through a pooler: DATABASE_DIRECT_URL too)
        direct = os.environ.get("DATABASE_DIRECT_URL")
        fresh = _fresh_database(direct or os.environ["DATABASE_URL"])
        database = make_url(fresh).database
        pooled = make_url(os.environ["DATABASE_URL"]).set(database=database)
        os.environ["DATABASE_URL"] = pooled.render_as_string(hide_password=False)
        if direct:
            os.environ["DATABASE_DIRECT_URL"] = fresh
    else:
        pg = EmbeddedPostgres(TEST_ROOT / "pg", delete_on_stop=True)
        os.environ["DATABASE_URL"] = pg.start()
        started.append(pg)
    if not os.environ.get("REDIS_URL"):
        valkey = EmbeddedValkey(TEST_ROOT / "valkey", persist=False)
        os.environ["REDIS_URL"] = valkey.start()
        started.append(valkey)

    from cognify import dbadmin
    from cognify.settings import get_settings

    get_settings.cache_clear()
    from cognify.worker import app as celery_app

    # Modules may import the app before the env is set. CELERY_BROKER_URL=amqp://... runs the session on
    # RabbitMQ (tests/kernel/test_brokers.py runs the events and flows suites that way).
    celery_app.conf.broker_url = broker_url()
    dbadmin.upgrade()
    yield {"database_url": os.environ["DATABASE_URL"], "redis_url": os.environ["REDIS_URL"]}

    from cognify.db import dispose_engines

    dispose_engines()
    for service in reversed(started):
        service.stop()


@pytest.fixture(autouse=True)
def fresh_throttle(services: dict[str, str]) -> None:
    """Every test starts with no failed sign-ins on record: they all come from one client address."""
    from cognify.redis import get_redis
    from cognify.throttle import PREFIX

    redis = get_redis()
    keys = list(redis.scan_iter(match=f"{PREFIX}*", count=1000))
    if keys:
        redis.delete(*keys)


@pytest.fixture
def throttle_limits(monkeypatch):
    """Set the sign-in and webhook throttle's limits (settings names) for one test."""
    from cognify.settings import get_settings

    def set_limits(**values: int) -> None:
        for name, value in values.items():
            monkeypatch.setenv(f"COGNIFY_{name.upper()}", str(value))
        get_settings.cache_clear()

    yield set_limits
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def client(services: dict[str, str]) -> Iterator[TestClient]:
    """The API in-process."""
    from cognify.app import create_app

    with TestClient(create_app(), raise_server_exceptions=False) as test_client:
        yield test_client


@dataclass
class TenantFixture:
    """A tenant made for one test, with its owner's credentials."""

    id: UUID
    slug: str
    owner_id: UUID
    owner_email: str
    password: str


@pytest.fixture
def make_tenant(services: dict[str, str]):
    """Factory: a new tenant with a unique slug and an owner (each test's data is its own)."""
    from domain.identity.models import UserCreate
    from domain.tenancy.flows import provision_tenant
    from domain.tenancy.models import TenantCreate

    def make(region: str | None = None, plan: str = "free") -> TenantFixture:
        slug = f"t-{uuid.uuid4().hex[:10]}"
        password = "correct-horse-battery"
        email = f"owner@{slug}.example.com"
        tenant, owner = provision_tenant(
            TenantCreate(slug=slug, name=f"Tenant {slug}", region=region, plan=plan),
            UserCreate(email=email, password=password, role="owner", full_name="Olive Owner"),
        )
        return TenantFixture(tenant.id, slug, owner.id, email, password)

    return make


@pytest.fixture
def login(client: TestClient):
    """Factory: bearer headers for a user."""

    def do(tenant: str, email: str, password: str = "correct-horse-battery") -> dict[str, str]:
        response = client.post(
            "/api/v1/auth/token", data={"username": email, "password": password, "tenant": tenant}
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    return do


@pytest.fixture
def make_user(client: TestClient, login):
    """Factory: a user of a role in a tenant, created through the API by its owner; (id, headers)."""

    def make(tenant: TenantFixture, role: str, email: str | None = None) -> tuple[UUID, dict[str, str]]:
        owner = login(tenant.slug, tenant.owner_email, tenant.password)
        email = email or f"{role}-{uuid.uuid4().hex[:6]}@{tenant.slug}.example.com"
        response = client.post(
            "/api/v1/users",
            json={"email": email, "password": "correct-horse-battery", "role": role,
                  "full_name": f"A {role}"},
            headers=owner,
        )
        assert response.status_code == 201, response.text
        return UUID(response.json()["id"]), login(tenant.slug, email)

    return make


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(BytesParser().parsebytes(envelope.content))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        """Messages addressed to one recipient."""
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture(scope="session")
def smtp_inbox() -> Iterator[Inbox]:
    """A local SMTP server (aiosmtpd) the Celery worker sends email to."""
    from aiosmtpd.controller import Controller

    inbox = Inbox(free_port())
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    yield inbox
    controller.stop()


@pytest.fixture(scope="session")
def celery_worker(services: dict[str, str], smtp_inbox: Inbox,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The one real `celery worker` of the test session (threads pool) on the test broker; its log.

    One worker for every test package, so no worker with other settings steals another's tasks.
    It sends email to `smtp_inbox`, retries fast, and loads the test-only handler in tests/events.
    """
    from cognify.worker import app

    app.conf.broker_url = broker_url()  # the producer may have been imported before the env
    events_dir = Path(__file__).parent / "events"
    env = dict(os.environ, COGNIFY_OUTBOX_BACKOFF_S="0.1", COGNIFY_OUTBOX_MAX_ATTEMPTS="3",
               COGNIFY_SMTP_HOST="127.0.0.1", COGNIFY_SMTP_PORT=str(smtp_inbox.port),
               PYTHONPATH=os.pathsep.join([str(events_dir), os.environ.get("PYTHONPATH", "")]))
    log = tmp_path_factory.mktemp("celery") / "worker.log"
    with log.open("wb") as output:
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "cognify.worker", "worker", "--pool", "threads",
             "--concurrency", "4", "--include", "events_flaky", "--loglevel", "INFO",
             "--without-heartbeat", "--without-gossip", "--without-mingle"],
            env=env, stdout=output, stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 180
    while proc.poll() is None and " ready." not in log.read_text(errors="replace"):
        assert time.monotonic() < deadline, "the Celery worker did not start"
        time.sleep(0.1)
    assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
    # Production's beat runs the relay every 5 s besides the kick after each commit; the test worker
    # gets the same safety net (without beat's other schedules, which would race the tests' own runs).
    stop = threading.Event()

    def relay_tick() -> None:
        while not stop.wait(5.0):
            app.send_task("cognify.outbox.relay")

    ticker = threading.Thread(target=relay_tick, name="outbox-relay-tick", daemon=True)
    ticker.start()
    yield log
    stop.set()
    ticker.join(timeout=10)
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
