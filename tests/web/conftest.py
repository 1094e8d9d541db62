"""Console fixtures: an HTTPS TestClient (the session cookie is Secure) and a scripted chat model."""

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "proctoring"))

from proctoring_media import Scenes, compose_scenes  # noqa: E402

from agents.llm import chat_model_factory  # noqa: E402
from agents.testing import ScriptedChatModel  # noqa: E402


@pytest.fixture
def web(client: TestClient) -> Iterator[TestClient]:
    """A fresh browser-like client of the shared app over https, not following redirects."""
    # Not entered as a context manager: the shared app's lifespan belongs to the `client` fixture.
    yield TestClient(
        client.app, base_url="https://testserver", follow_redirects=False, raise_server_exceptions=False
    )


@pytest.fixture
def use_model(client: TestClient) -> Iterator[Callable[[ScriptedChatModel], ScriptedChatModel]]:
    """Make the shared app's agents talk to a scripted model for one test (as the agents tests do)."""

    def install(model: ScriptedChatModel) -> ScriptedChatModel:
        client.app.dependency_overrides[chat_model_factory] = lambda: lambda actor, agent: model  # type: ignore[attr-defined]
        return model

    yield install
    client.app.dependency_overrides.pop(chat_model_factory, None)  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def scenes() -> Scenes:
    """Frames composed from real face photos, once per run."""
    return compose_scenes()
