"""The console's routers under /app/ and its static files."""

from fastapi import APIRouter
from fastapi.staticfiles import StaticFiles

from web import auth, chat, exam, proctor
from web.rendering import WEB_DIR

router = APIRouter()
for part in (auth.router, proctor.router, chat.router, exam.router):
    router.include_router(part)


def static_files() -> StaticFiles:
    """The console's CSS, scripts and vendored htmx, mounted at /app/static."""
    return StaticFiles(directory=WEB_DIR / "static")
