"""The Celery composition root: broker on Redis, late acks, tasks from every feature package."""

from celery import Celery
from celery.signals import setup_logging, worker_init

from cognify.logging import configure_logging
from cognify.settings import get_settings

VISIBILITY_TIMEOUT_S = 3600
# The outbox relay and every module that registers event handlers or event-driven tasks.
EVENT_MODULES = ["cognify.outbox", "domain.crm.flows", "domain.sis.flows", "domain.analytics.flows",
                 "domain.messaging.tasks", "domain.workflows.tasks", "vector.flows",
                 "domain.privacy.tasks"]


def create_celery() -> Celery:
    """A Celery app on the configured broker: RabbitMQ with `CELERY_BROKER_URL=amqp://...`, else Redis."""
    settings = get_settings()
    broker = settings.celery_broker_url or settings.redis_url or "redis://127.0.0.1:6379/0"
    app = Celery("cognify", broker=broker,
                 include=["vector.tasks", "proctoring.tasks", "domain.certification.tasks", *EVENT_MODULES])
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT_S},
        broker_connection_retry_on_startup=True,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        timezone="UTC",
        beat_schedule={
            "outbox-relay": {"task": "cognify.outbox.relay", "schedule": 5.0},
            "privacy-apply-retention": {"task": "privacy.apply_retention", "schedule": 3600.0},
            "privacy-run-due-requests": {"task": "privacy.run_due_requests", "schedule": 3600.0},
            "campaigns-dispatch-due": {"task": "messaging.dispatch_due_campaigns", "schedule": 60.0},
            "workflows-evaluate-schedules": {"task": "workflows.evaluate_schedules", "schedule": 300.0},
        },
    )
    return app


app = create_celery()


@setup_logging.connect
def _logging(**_: object) -> None:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)


@worker_init.connect
def _load_gateway(**_: object) -> None:
    """Validate the gateway config and load LiteLLM before any task can race another to import it."""
    from gateway.service import get_core

    get_core()


@app.task(name="cognify.ping")
def ping() -> str:
    """A no-op task that proves the worker consumes the broker."""
    return "pong"
