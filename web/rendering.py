"""Jinja2 templates (autoescaped), the tenant's theme, and HTML error pages."""

import json
import re
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from cognify.errors import CognifyError

WEB_DIR = Path(__file__).parent
# Autoescape everything: course content, lead names and model output are text, never markup.
templates = Jinja2Templates(env=Environment(loader=FileSystemLoader(WEB_DIR / "templates"), autoescape=True))
_COLOUR = re.compile(r"^(#[0-9a-fA-F]{3,8}|rgb\(\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*\))$")
DEFAULT_THEME = {"primary": "#3b4cca", "accent": "#0f766e", "background": "#f7f7fb", "text": "#1a1a2e"}
CITATION = re.compile(r"\[block:([0-9a-fA-F-]{36})\]")


def theme_vars(theme: dict[str, Any]) -> dict[str, str]:
    """CSS colour variables from `Tenant.theme`; values that are not plain colours are ignored."""
    colours = dict(DEFAULT_THEME)
    for key in DEFAULT_THEME:
        value = theme.get(key) or theme.get(f"{key}_color")
        if isinstance(value, str) and _COLOUR.match(value.strip()):
            colours[key] = value.strip()
    return colours


def with_citations(text: str) -> list[tuple[str, str]]:
    """Model text split into ("text", s) and ("cite", block_id) parts; rendered as text plus links."""
    parts: list[tuple[str, str]] = []
    last = 0
    for match in CITATION.finditer(text):
        parts.append(("text", text[last : match.start()]))
        parts.append(("cite", match.group(1).lower()))
        last = match.end()
    parts.append(("text", text[last:]))
    return [p for p in parts if p[1]]


_TOOL_OUTPUT = re.compile(r"^<tool_output[^>]*>\s*(.*?)\s*</tool_output>$", re.S)
SUMMARY_ITEMS = 5


def _labels(value: Any, found: list[str]) -> None:
    if len(found) >= SUMMARY_ITEMS:
        return
    if isinstance(value, dict):
        label = value.get("name") or value.get("title")
        if isinstance(label, str):
            found.append(label)
            return
        for item in value.values():
            _labels(item, found)
    elif isinstance(value, list):
        for item in value:
            _labels(item, found)


def tool_summary(content: str) -> list[str]:
    """A compact card's lines for a tool result: the names or titles it returned, or its fields."""
    match = _TOOL_OUTPUT.match(content.strip())
    body = match.group(1) if match else content
    try:
        data = json.loads(body)
    except ValueError:
        return [body[:300]]
    found: list[str] = []
    _labels(data, found)
    if not found and isinstance(data, dict):
        found = [f"{k}: {v}" for k, v in data.items() if isinstance(v, str | int | float)][:SUMMARY_ITEMS]
    return found


_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ARG_LINKS = {"course_id": "/app/courses/", "content_block_id": "/app/content/", "block_id": "/app/content/"}


def arg_link(name: str, value: Any) -> str | None:
    """The console page a tool argument names (a course or a content block), if any."""
    if name in ARG_LINKS and isinstance(value, str) and _UUID.match(value):
        return ARG_LINKS[name] + value.lower()
    return None


def as_json(value: Any) -> str:
    """A value as JSON text, left to autoescaping (Jinja's `tojson` is markup and keeps double quotes)."""
    return json.dumps(value, default=str)


templates.env.globals["arg_link"] = arg_link
templates.env.filters["as_json"] = as_json
templates.env.filters["citations"] = with_citations
templates.env.filters["tool_summary"] = tool_summary


class LoginRequired(Exception):
    """No valid session cookie: send the browser to the login page."""


def wants_json(request: Request) -> bool:
    """Whether the caller is the console's own script (fetch), not a page navigation."""
    return "application/json" in request.headers.get("accept", "")


def error_page(request: Request, status: int, title: str, message: str) -> Response:
    """An HTML error page (or a JSON error for the console's scripts)."""
    if wants_json(request):
        return JSONResponse(
            {"error": {"code": title.lower().replace(" ", "_"), "message": message}}, status_code=status
        )
    context = {"status": status, "title": title, "message": message, "theme": theme_vars({})}
    return templates.TemplateResponse(request, "error.html", context, status_code=status)


_TITLES = {
    400: "Bad request",
    401: "Sign in needed",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    410: "Gone",
    422: "Invalid input",
    429: "Slow down",
}


# Scripts only from our own static files: even a markup bug could not run injected script.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; media-src 'self' blob: mediastream:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class HtmlRoute(APIRoute):
    """A console route: a missing session redirects to login, service errors become HTML pages."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap the handler so CognifyError renders as a page, not the API's JSON."""
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            response = await _render(request)
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            return response

        async def _render(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired:
                if wants_json(request):
                    return error_page(request, 401, "Sign in needed", "Your session has ended")
                target = quote(request.url.path, safe="/")
                return RedirectResponse(f"/app/login?next={target}", status_code=303)
            except CognifyError as exc:
                if wants_json(request):
                    return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers)
                title = _TITLES.get(exc.status_code, "Error")
                return error_page(request, exc.status_code, title, exc.message)

        return run
