"""Tool specs as LangChain tools: identity from the LangGraph runtime context, errors as tool messages."""

import asyncio
import json
from typing import Any

from langchain_core.messages import ToolMessage
from langchain_core.tools import StructuredTool
from langgraph.prebuilt import ToolRuntime
from pydantic import ConfigDict, ValidationError
from sqlalchemy.exc import IntegrityError

from cognify.db import TenantSession, tenant_session
from cognify.errors import CognifyError, Forbidden, NotFound
from cognify.logging import get_logger
from cognify.security import Actor, TokenClaims
from domain.identity.service import load_actor
from tools.context import ToolContext
from tools.spec import ToolArgs, ToolSpec

log = get_logger("cognify.tools")


def frame(tool: str, result: Any) -> str:
    """Tool output as quoted data: JSON inside a tag that the data itself cannot close."""
    body = json.dumps(result, ensure_ascii=False, default=str).replace("<", "\\u003c").replace(">", "\\u003e")
    return f'<tool_output tool="{tool}">\n{body}\n</tool_output>'


def outcome_of(exc: Exception) -> str:
    """The audit outcome of a failed call."""
    if isinstance(exc, Forbidden):
        return "forbidden"
    if isinstance(exc, NotFound):
        return "not_found"
    if isinstance(exc, ValidationError) or getattr(exc, "status_code", None) == 422:
        return "invalid"
    return "error"


def _actor(session: TenantSession, ctx: ToolContext, spec: ToolSpec) -> Actor:
    """The acting user rebuilt from the database (never from the model), holding the tool's permission."""
    actor = load_actor(session, TokenClaims(ctx.user_id, ctx.tenant_id, ctx.role))
    if not spec.allowed(actor):
        raise Forbidden(f"Missing permission '{spec.permission}' for {spec.name}")
    return actor


def _run_sync(spec: ToolSpec, ctx: ToolContext, args: ToolArgs) -> Any:
    with tenant_session(ctx.tenant_id, ctx.user_id) as session:
        return spec.fn(session, _actor(session, ctx, spec), args)


async def execute(spec: ToolSpec, ctx: ToolContext, args: ToolArgs) -> Any:
    """Run the tool in one tenant-scoped transaction: committed on success, rolled back on error."""
    if not spec.is_async:
        return await asyncio.to_thread(_run_sync, spec, ctx, args)
    with tenant_session(ctx.tenant_id, ctx.user_id) as session:
        return await spec.fn(session, _actor(session, ctx, spec), args)


def _error_text(exc: Exception) -> str:
    if isinstance(exc, CognifyError):
        return f"Error ({exc.code}): {exc.message}"
    if isinstance(exc, IntegrityError):
        return "Error (conflict): the change conflicts with existing data"
    if isinstance(exc, ValidationError):
        return f"Error (validation_error): {exc.errors(include_url=False)}"
    return "Error (internal_error): the tool failed; nothing was changed"


def as_langchain_tool(spec: ToolSpec) -> StructuredTool:
    """A LangChain tool whose arguments are the spec's model and whose identity is the runtime context."""

    async def run(runtime: ToolRuntime[ToolContext], **kwargs: Any) -> ToolMessage:
        call_id = runtime.tool_call_id or ""
        try:
            result = await execute(spec, runtime.context, spec.args.model_validate(kwargs))
        except (CognifyError, IntegrityError, ValidationError) as exc:
            return ToolMessage(
                _error_text(exc),
                tool_call_id=call_id,
                name=spec.name,
                status="error",
                artifact={"outcome": outcome_of(exc)},
            )
        except Exception as exc:  # noqa: BLE001 - the model gets an error message, never a crash
            log.exception("tool_failed", tool=spec.name, exc_info=exc)
            return ToolMessage(
                _error_text(exc),
                tool_call_id=call_id,
                name=spec.name,
                status="error",
                artifact={"outcome": "error"},
            )
        return ToolMessage(
            frame(spec.name, result), tool_call_id=call_id, name=spec.name, artifact={"outcome": "ok"}
        )

    # LangGraph injects `runtime` into the arguments, so the schema LangChain checks must let it through;
    # `run` then validates against the strict model, which refuses any other extra (a smuggled tenant id).
    lenient = type(spec.args.__name__, (spec.args,), {"model_config": ConfigDict(extra="allow")})
    return StructuredTool(name=spec.name, description=spec.description, args_schema=lenient, coroutine=run)
