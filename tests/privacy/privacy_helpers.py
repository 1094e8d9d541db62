"""Helpers the privacy tests share: tokens, one-row queries, and waiting for a request to finish."""

import time
from uuid import UUID

import psycopg
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.checkpoint.base import empty_checkpoint
from langgraph.checkpoint.postgres import PostgresSaver
from psycopg.rows import dict_row
from sqlalchemy import text

from cognify.db import tenant_session
from cognify.security import Role, TokenClaims, create_access_token


def bearer(tenant_id: UUID, user_id: UUID, role: str) -> dict[str, str]:
    token, _ = create_access_token(TokenClaims(user_id, tenant_id, Role(role)))
    return {"Authorization": f"Bearer {token}"}


def one(tenant_id: UUID, statement: str, **params) -> dict:
    with tenant_session(tenant_id) as session:
        return dict(session.execute(text(statement), params).mappings().one())


def wait_done(client, headers, request_id: str, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(f"/api/v1/privacy/requests/{request_id}", headers=headers).json()
        if body["state"] in ("done", "failed"):
            return body
        assert time.monotonic() < deadline, body
        time.sleep(0.05)


def write_checkpoint(thread_id: UUID, said: str, answered: str) -> None:
    """A LangGraph checkpoint with two messages, written by LangGraph's own Postgres saver."""
    from agents.checkpoint import checkpoint_dsn

    with psycopg.connect(checkpoint_dsn(), autocommit=True, row_factory=dict_row) as conn:
        saver = PostgresSaver(conn)
        checkpoint = empty_checkpoint()
        checkpoint["channel_values"] = {"messages": [HumanMessage(said), AIMessage(answered)]}
        checkpoint["channel_versions"] = {"messages": "1"}
        config = saver.put({"configurable": {"thread_id": str(thread_id), "checkpoint_ns": ""}},
                           checkpoint, {"source": "loop", "step": 1}, {"messages": "1"})
        saver.put_writes(config, [("messages", [AIMessage(answered)])], task_id="task-1")
