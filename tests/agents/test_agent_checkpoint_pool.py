"""Checkpoints go through the app's pool: opened at startup, shared by every turn, closed at shutdown."""

from agent_helpers import ai, ask, new_thread
from agent_rows import install_model
from fastapi.testclient import TestClient

from agents.checkpoint import open_checkpoint_pool
from agents.testing import ScriptedChatModel
from cognify.app import create_app


def test_turns_share_the_apps_checkpoint_pool_which_closes_on_shutdown(make_school):
    school = make_school()
    with TestClient(create_app(), raise_server_exceptions=False) as app:
        install_model(app.app, ScriptedChatModel(steps=[ai(content=f"Reply {n}.") for n in range(3)]))  # type: ignore[arg-type]
        pool = app.portal.call(open_checkpoint_pool)  # idempotent: the pool the lifespan opened
        thread = new_thread(app, school.owner)

        replies = [ask(app, school.owner, thread, f"Question {n}")["reply"] for n in range(3)]
        history = app.get(f"/api/v1/agents/copilot/threads/{thread}", headers=school.owner).json()
        stats = pool.get_stats()

    assert replies == ["Reply 0.", "Reply 1.", "Reply 2."]
    assert [m["content"] for m in history["messages"]][-2:] == ["Question 2", "Reply 2."]
    # Every checkpoint read and write of the three turns borrowed a pooled connection; the turns
    # ran one after another, so the pool did not need more than its first connection or two.
    assert stats["requests_num"] >= 3 * 2
    assert 1 <= stats["connections_num"] <= 2
    assert pool.closed
