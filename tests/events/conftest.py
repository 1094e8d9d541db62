"""Events fixtures: a real Celery worker on the test broker, a local SMTP server, signed webhooks."""

import json
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent


@pytest.fixture(scope="session")
def worker(celery_worker: Path) -> Path:
    """The session's Celery worker (tests/conftest.py); its log path."""
    return celery_worker


@pytest.fixture
def signed_post(client: Any):
    """Factory: POST a JSON body signed with a secret (or a given header) to a webhook."""
    from domain.webhooks.signing import sign

    def post(path: str, payload: Any, secret: str | None, timestamp: int | None = None,
             header: str | None = None) -> Any:
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
        if header is not None:
            headers["X-Cognify-Signature"] = header
        elif secret is not None:
            headers["X-Cognify-Signature"] = sign(secret, body, timestamp)
        return client.post(path, content=body, headers=headers)

    return post
