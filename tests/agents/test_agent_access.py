"""Identity comes from the token: other tenants' rows, others' threads and staff tools stay out of reach."""

from agent_helpers import ai, ask, call, new_thread, results
from agent_rows import add_course, add_user
from sqlmodel import select

from agents.testing import ScriptedChatModel
from cognify.db import tenant_session
from cognify.security import Role
from domain.crm.models import Lead, LeadStatus, Task
from domain.lms.models import Enrollment


def test_another_tenants_lead_is_a_tool_error_nothing_read_or_written_and_audited(
    client, use_model, make_school
):
    school, other = make_school(), make_school()
    foreign = str(other.lead_id)
    use_model(
        ScriptedChatModel(
            steps=[
                ai(
                    call("get_lead", {"lead_id": foreign}, "c1"),
                    call("update_lead_status", {"lead_id": foreign, "status": "won"}, "c2"),
                    call("create_task", {"title": "Steal", "lead_id": foreign}, "c3"),
                    call("get_lead", {"lead_id": foreign, "tenant_id": str(other.tenant_id)}, "c4"),
                ),
                ai(content="I cannot find that lead."),
            ]
        )
    )
    thread = new_thread(client, school.owner)

    answer = ask(client, school.owner, thread, "Mark lead as won")

    found = results(answer)
    assert [r["status"] for r in found] == ["error"] * 4
    assert all("Lena" not in r["content"] for r in found)
    assert "not_found" in found[0]["content"] and "validation_error" in found[3]["content"]
    with tenant_session(other.tenant_id) as session:
        assert session.get(Lead, other.lead_id).status == LeadStatus.new
        assert session.exec(select(Task)).all() == []
    audit = client.get("/api/v1/agents/audit", params={"kind": "tool_call"}, headers=school.owner).json()
    assert sorted(row["outcome"] for row in audit["data"]) == [
        "invalid",
        "not_found",
        "not_found",
        "not_found",
    ]
    assert all(row["args"]["lead_id"] == foreign for row in audit["data"])
    assert client.get("/api/v1/agents/audit", headers=school.student_headers).status_code == 403


def test_a_student_cannot_reach_staff_tools(client, use_model, make_school):
    school = make_school()
    denied = client.post("/api/v1/agents/copilot/threads", headers=school.student_headers)
    assert denied.status_code == 403
    model = use_model(
        ScriptedChatModel(
            steps=[
                ai(call("list_invoices", {}, "c1"), call("create_lead", {"name": "Me"}, "c2")),
                ai(content="I can only search your course material."),
            ]
        )
    )
    thread = new_thread(client, school.student_headers, "tutor")

    answer = ask(client, school.student_headers, thread, "list all invoices", agent="tutor")

    assert model.offered_tools == [["search_course_content"], ["search_course_content"]]
    assert [r["status"] for r in results(answer)] == ["error", "error"]
    assert all("not a valid tool" in r["content"] for r in results(answer))
    with tenant_session(school.tenant_id) as session:
        assert session.exec(select(Lead).where(Lead.name == "Me")).first() is None
    audit = client.get("/api/v1/agents/audit", headers=school.owner).json()
    assert {row["outcome"] for row in audit["data"]} == {"unavailable"}


def test_a_teachers_tools_see_only_their_courses_students(client, use_model, make_school):
    school = make_school()
    teacher_id, teacher = add_user(school.tenant_id, Role.teacher)
    mine = add_course(school.tenant_id, "Mine", [teacher_id])
    with tenant_session(school.tenant_id) as session:
        session.add(Enrollment(tenant_id=school.tenant_id, student_id=school.student_user_id, course_id=mine))
        session.add(
            Enrollment(
                tenant_id=school.tenant_id, student_id=school.student_user_id, course_id=school.course_id
            )
        )
    model = use_model(
        ScriptedChatModel(
            steps=[
                ai(
                    call(
                        "get_student_progress",
                        {"student_id": str(school.student_user_id), "course_id": str(mine)},
                        "c1",
                    ),
                    call(
                        "get_student_progress",
                        {"student_id": str(school.student_user_id), "course_id": str(school.course_id)},
                        "c2",
                    ),
                    call(
                        "enroll_student",
                        {"student_id": str(school.student_user_id), "course_id": str(school.course_id)},
                        "c3",
                    ),
                ),
                ai(content="Done."),
            ]
        )
    )
    thread = new_thread(client, teacher)

    answer = ask(client, teacher, thread, "How is Sam doing?")

    mine_progress, other_progress, enrol = results(answer)
    assert mine_progress["status"] == "success" and str(mine) in mine_progress["content"]
    assert other_progress["status"] == "error" and "not_found" in other_progress["content"]
    assert enrol["status"] == "error"
    offered = set(model.offered_tools[0])
    assert {"get_student_progress", "enroll_student", "search_courses"} <= offered
    assert offered.isdisjoint({"list_invoices", "create_invoice", "search_leads", "launch_campaign"})


def test_a_thread_belongs_to_its_user(client, use_model, make_school):
    school, other = make_school(), make_school()
    use_model(ScriptedChatModel(steps=[ai(content="Hello.")]))
    thread = new_thread(client, school.owner)
    _, colleague = add_user(school.tenant_id, Role.admin)
    for headers in (colleague, other.owner):
        assert client.get(f"/api/v1/agents/copilot/threads/{thread}", headers=headers).status_code == 404
        posted = client.post(
            f"/api/v1/agents/copilot/threads/{thread}/messages", json={"content": "hi"}, headers=headers
        )
        assert posted.status_code == 404
        decided = client.post(
            f"/api/v1/agents/copilot/threads/{thread}/approvals",
            json={"decision": "approve"},
            headers=headers,
        )
        assert decided.status_code == 404
    assert (
        client.get(f"/api/v1/agents/tutor/threads/{thread}", headers=school.student_headers).status_code
        == 404
    )
    assert (
        client.get(f"/api/v1/agents/copilot/threads/{thread}", headers=school.owner).json()["messages"] == []
    )
