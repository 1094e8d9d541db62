"""The console in a real browser: uvicorn on a free port in a thread, and Debian's headless Chromium.

The app runs under uvicorn in this process (not `cognify up`, to keep the run fast) so tests can
give its agents a scripted chat model through the same dependency the agents tests override.
"""

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import pytest
import uvicorn
from langchain_core.language_models import BaseChatModel
from playwright.sync_api import Browser, Page, sync_playwright

from agents.llm import chat_model_factory

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]
SCREENSHOTS = Path(__file__).parents[2] / "artifacts" / "screenshots"
SIZES = {"desktop": (1280, 800), "phone": (390, 844)}


@dataclass
class LiveApp:
    """The running console and the scripted model its agents talk to."""

    url: str
    model: list[BaseChatModel] = field(default_factory=list)

    def use(self, model: BaseChatModel) -> BaseChatModel:
        """Make every agent answer with `model` from now on."""
        self.model[:] = [model]
        return model


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve() -> Iterator[LiveApp]:
    """Run a fresh app under uvicorn until the generator is closed."""
    from cognify.app import create_app

    app = create_app()
    port = _free_port()
    live = LiveApp(f"http://127.0.0.1:{port}")
    app.dependency_overrides[chat_model_factory] = lambda: lambda actor, agent: live.model[0]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, name="console-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        thread.join(0.02)
    yield live
    server.should_exit = True
    thread.join(10)


def write_y4m(path: Path, frames: list[Any], fps: int = 10) -> Path:
    """A raw Y4M video Chromium's fake camera can play in a loop."""
    height, width = frames[0].shape[:2]
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            out.write(b"FRAME\n" + cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes())
    return path


def launch(camera: Path) -> Iterator[Browser]:
    """One headless Chromium for the module, with a fake camera playing `camera`; never downloaded."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            raise RuntimeError(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
        pytest.skip("browser tests need Debian's chromium: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[*CHROMIUM_ARGS, f"--use-file-for-fake-video-capture={camera}"],
        )
        yield browser
        browser.close()


def sign_in(page: Page, live: LiveApp, slug: str, email: str, password: str, target: str) -> None:
    """Use the login form, landing on `target`."""
    page.goto(f"{live.url}/app/login?next={target}")
    page.get_by_label("Organisation").fill(slug)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live.url}{target}")


def shoot(page: Page, name: str) -> None:
    """Screenshots of the page at desktop and phone widths under artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=SCREENSHOTS / f"{name}-{label}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})
