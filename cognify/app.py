"""The FastAPI composition root."""

import importlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from agents.checkpoint import close_checkpoint_pool, open_checkpoint_pool
from agents.endpoints import router as agents_router
from cognify.db import app_engine, dispose_engines
from cognify.errors import CognifyError
from cognify.logging import configure_logging, get_logger
from cognify.metrics import children_state
from cognify.middleware import RequestContextMiddleware, TextGuardMiddleware
from cognify.openapi import install as install_openapi
from cognify.redis import get_redis
from cognify.regions import databases
from cognify.settings import get_settings
from domain.analytics.activity import router as activity_router
from domain.analytics.endpoints import router as analytics_router
from domain.certification.endpoints import router as certification_router
from domain.crm.endpoints import router as crm_router
from domain.identity.endpoints import router as identity_router
from domain.lms.endpoints import router as lms_router
from domain.messaging.endpoints import router as messaging_router
from domain.privacy.endpoints import router as privacy_router
from domain.privacy.retention_endpoints import router as retention_router
from domain.sis.endpoints import router as sis_router
from domain.tenancy.endpoints import router as tenancy_router
from domain.webhooks.endpoints import router as webhooks_router
from domain.workflows.endpoints import router as workflows_router
from gateway.config import local_model_url
from gateway.endpoints import router as gateway_router
from gateway.service import get_core, get_gateway
from proctoring.endpoints import router as proctoring_router
from vector import flows as _content_indexing  # noqa: F401 - registers the content-change hooks
from web.endpoints import router as web_router
from web.endpoints import static_files

log = get_logger("cognify.app")
LEDGER_BACKLOG_DEGRADED = 10_000
DATABASE_RETRY_AFTER_S = 5
_STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                 405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
                 415: "unsupported_media_type", 429: "rate_limited"}


def _error(status: int, code: str, message: str, details: Any = None, **kw: Any) -> JSONResponse:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return JSONResponse({"error": error}, status_code=status, **kw)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "form", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or str(loc[0] if loc else "request")


async def _cognify_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CognifyError)
    return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        {"field": _field(tuple(e.get("loc", ()))), "message": e.get("msg", ""), "type": e.get("type")}
        for e in exc.errors()
    ]
    first = details[0] if details else {"field": "request", "message": "invalid"}
    message = f"{first['field']}: {first['message']}"
    return _error(422, "validation_error", message, details)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _STATUS_CODES.get(exc.status_code, "error")
    return _error(exc.status_code, code, str(exc.detail), headers=exc.headers)


async def _integrity_error(_: Request, exc: Exception) -> JSONResponse:
    log.warning("integrity_error", error=str(getattr(exc, "orig", exc)).splitlines()[0])
    return _error(409, "conflict", "The change conflicts with existing data")


async def _database_unavailable(_: Request, exc: Exception) -> JSONResponse:
    """PostgreSQL is unreachable (a restart, a failover): 503, so clients and webhook senders retry."""
    log.error("database_unavailable", error=str(getattr(exc, "orig", exc)).splitlines()[0][:300])
    return _error(503, "database_unavailable", "The database is unavailable; retry shortly",
                  headers={"Retry-After": str(DATABASE_RETRY_AFTER_S)})


async def _unhandled(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled_error", exc_info=exc)
    return _error(500, "internal_error", "Internal server error")


def _load_ai() -> None:
    """Load the gateway (config, LiteLLM, the Router) and MediaPipe once, before the API is ready.

    Loaded on a request instead, a first import racing another thread's failed inside LiteLLM
    (`KeyError: 'litellm'`), and an invalid gateway config would surface only at the first AI call.
    """
    get_gateway()
    importlib.import_module("mediapipe.python.solutions.face_detection")


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    """Configure logging, start the ledger mover and open the checkpoint pool; release them on stop."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    _load_ai()
    get_core().ledger.start()
    await open_checkpoint_pool()
    yield
    await close_checkpoint_pool()
    get_core().ledger.stop()
    dispose_engines()


def _check(probe: Callable[[], Any]) -> str:
    try:
        probe()
        return "ok"
    except Exception as exc:  # noqa: BLE001 - readiness reports any failure
        return type(exc).__name__


def _ledger_state() -> dict[str, Any]:
    """The usage ledger's backlog (settled calls not yet in PostgreSQL) and refused entries."""
    try:
        return get_core().ledger.backlog()
    except Exception as exc:  # noqa: BLE001 - readiness reports any failure
        return {"error": type(exc).__name__}


def _ping_database() -> None:
    """Every database the API may open: home, and each region's own."""
    for region in databases():
        with app_engine(region).connect() as conn:
            conn.execute(text("SELECT 1"))


def _ping_local_model() -> None:
    httpx.get(f"{local_model_url()}/models", timeout=0.5).raise_for_status()


def create_app() -> FastAPI:
    """Build the API with every feature router."""
    app = FastAPI(title="Cognify AI", version="0.1.0", lifespan=lifespan)
    app.add_middleware(TextGuardMiddleware)
    app.add_middleware(RequestContextMiddleware)
    install_openapi(app)
    app.add_exception_handler(CognifyError, _cognify_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(Exception, _unhandled)
    for router in (identity_router, tenancy_router, certification_router, lms_router, crm_router,
                   analytics_router, sis_router, gateway_router, proctoring_router, agents_router,
                   webhooks_router, workflows_router, messaging_router, activity_router, privacy_router,
                   retention_router, web_router):
        app.include_router(router)
    app.mount("/app/static", static_files(), name="web-static")

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"])
    def readyz() -> JSONResponse:
        """Ready when the database, Redis and the gateway are; `degraded` names processes that are not."""
        checks = {"database": _check(_ping_database), "redis": _check(lambda: get_redis().ping()),
                  "gateway": _check(get_core)}
        degraded = {name: child["state"] for name, child in children_state().items()
                    if child.get("state") != "running"}
        if checks["gateway"] == "ok" and get_core().config.embedded and _check(_ping_local_model) != "ok":
            degraded["model_server"] = "unreachable"
        ledger = _ledger_state()
        if ledger.get("backlog", 0) > LEDGER_BACKLOG_DEGRADED:
            degraded["ledger"] = "backlog"
        elif ledger.get("dead"):
            degraded["ledger"] = "dead_entries"
        ready = all(v == "ok" for v in checks.values())
        status = "unavailable" if not ready else "degraded" if degraded else "ok"
        body: dict[str, Any] = {"status": status, "checks": checks, "ledger": ledger}
        if degraded:
            body["degraded"] = degraded
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get("/metrics", tags=["ops"], include_in_schema=False)
    def metrics() -> PlainTextResponse:
        """Prometheus metrics."""
        return PlainTextResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app
