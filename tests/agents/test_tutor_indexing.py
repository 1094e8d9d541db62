"""Content written through the API is indexed through the outbox, and the tutor answers from it."""

import json
import time
from uuid import UUID

from agent_helpers import ai, ask, call, new_thread, results
from sqlalchemy import insert, text
from typer.testing import CliRunner

from agents.testing import ScriptedChatModel
from cognify.cli import app as cli
from cognify.db import tenant_session
from domain.lms.models import Course, Enrollment


def chunk_texts(tenant_id: UUID, source_id: str) -> list[str]:
    with tenant_session(tenant_id) as session:
        return list(session.execute(text("SELECT text FROM content_chunks WHERE source_id = :id "
                                         "ORDER BY chunk_index"), {"id": source_id}).scalars())


def wait_for(check, timeout: float = 90.0):
    deadline = time.monotonic() + timeout
    while not (value := check()):
        assert time.monotonic() < deadline, "timed out waiting for the worker to index"
        time.sleep(0.1)
    return value


def test_a_block_created_through_the_api_is_indexed_and_the_tutor_cites_it(
    client, use_model, make_school, celery_worker
) -> None:
    school = make_school()
    with tenant_session(school.tenant_id) as session:
        session.add(Enrollment(tenant_id=school.tenant_id, student_id=school.student_user_id,
                               course_id=school.course_id))
    block = client.post("/api/v1/content-blocks", headers=school.owner, json={
        "course_id": str(school.course_id), "type": "doc", "title": "Quadratic equations",
        "body": "# Quadratic equations\nThe discriminant b^2 - 4ac tells how many real roots exist."})
    assert block.status_code == 201, block.text
    block_id = block.json()["id"]
    module = client.post(f"/api/v1/courses/{school.course_id}/modules", headers=school.owner,
                         json={"name": "Equations", "content_block_refs": [block_id]})
    assert module.status_code == 201, module.text
    assert "discriminant" in wait_for(lambda: chunk_texts(school.tenant_id, block_id))[0]

    use_model(ScriptedChatModel(steps=[
        ai(call("search_course_content", {"query": "how many real roots discriminant"}, "s1")),
        ai(content=f"Look at the discriminant [block:{block_id}]. What sign tells you two roots?"),
    ]))
    thread = new_thread(client, school.student_headers, "tutor")
    answer = ask(client, school.student_headers, thread, "How do I know how many roots?", agent="tutor")
    [search] = results(answer)
    assert search["status"] == "success" and block_id in search["content"]
    assert "discriminant" in search["content"]
    assert f"[block:{block_id}]" in answer["reply"]

    changed = client.patch(f"/api/v1/content-blocks/{block_id}", headers=school.owner,
                           json={"body": "# Quadratic equations\nCompleting the square derives the formula."})
    assert changed.status_code == 200, changed.text
    texts = wait_for(lambda: [t for t in chunk_texts(school.tenant_id, block_id) if "square" in t])
    assert not any("discriminant" in t for t in texts + chunk_texts(school.tenant_id, block_id))
    assert client.delete(f"/api/v1/content-blocks/{block_id}", headers=school.owner).status_code == 204
    assert chunk_texts(school.tenant_id, block_id) == []


def test_cognify_index_reindexes_a_tenant_or_a_course(make_school) -> None:
    school = make_school()
    course = Course(tenant_id=school.tenant_id, title="Functions", description="Linear and quadratic.")
    with tenant_session(school.tenant_id) as session:  # a Core insert: no mapper hook, so no event
        session.execute(insert(Course).values(**course.model_dump()))
    runner = CliRunner()
    done = runner.invoke(cli, ["index", "--tenant", school.tenant.slug, "--course", str(course.id)])
    assert done.exit_code == 0, done.output
    summary = json.loads(done.output.strip().splitlines()[-1])
    assert summary["sources"] == 1 and summary["chunks_embedded"] == 1
    assert chunk_texts(school.tenant_id, str(course.id))[0].endswith("Linear and quadratic.")
    again = json.loads(runner.invoke(cli, ["index", "--tenant", school.tenant.slug]).output.splitlines()[-1])
    assert again["chunks_embedded"] == 0  # nothing changed: nothing re-embedded
    unknown = runner.invoke(cli, ["index", "--tenant", "no-such-school"])
    assert unknown.exit_code == 1 and "no active tenant" in unknown.output
    bad = runner.invoke(cli, ["index", "--tenant", school.tenant.slug, "--course", "nope"])
    assert bad.exit_code == 1 and "not a course id" in bad.output
    missing = runner.invoke(cli, ["index", "--tenant", school.tenant.slug,
                                  "--course", "00000000-0000-0000-0000-000000000001"])
    assert missing.exit_code == 1 and "no course" in missing.output


def test_the_demo_seed_leaves_every_course_indexed(make_tenant) -> None:
    tenant = make_tenant()
    seeded = CliRunner().invoke(cli, ["seed", "--demo", "--tenant", tenant.slug])
    assert seeded.exit_code == 0, seeded.output
    assert json.loads(seeded.output.strip().splitlines()[-1])["chunks_embedded"] > 0
    with tenant_session(tenant.id) as session:
        unindexed = session.execute(text(
            "SELECT b.title FROM content_blocks b WHERE b.body <> '' AND NOT EXISTS "
            "(SELECT 1 FROM content_chunks c WHERE c.source_id = b.id)")).scalars().all()
        courses = session.execute(text("SELECT count(DISTINCT course_id) FROM content_chunks")).scalar()
    assert unindexed == [] and courses >= 1
