"""Console fixtures: an HTTPS TestClient (the session cookie is Secure) and a scripted chat model."""

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "proctoring"))

from browser_setup import LiveApp, launch, serve, write_y4m  # noqa: E402
from playwright.sync_api import Browser, Page  # noqa: E402
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


@pytest.fixture(scope="module")
def live(services) -> Iterator[LiveApp]:
    """The app under a real uvicorn on a free port."""
    yield from serve()


@pytest.fixture(scope="module")
def browser(tmp_path_factory, scenes) -> Iterator[Browser]:
    """Chromium with a fake camera showing a composed face."""
    camera = write_y4m(tmp_path_factory.mktemp("camera") / "face.y4m", [scenes.frontal] * 4)
    yield from launch(camera)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (its own cookies) at desktop size."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()
