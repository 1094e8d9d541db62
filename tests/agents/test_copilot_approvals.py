"""The copilot acts through tools and pauses before money-moving calls until a human decides."""

from decimal import Decimal
from uuid import UUID

from agent_helpers import ai, ask, call, decide, new_thread, results
from sqlmodel import select

from agents.testing import ScriptedChatModel
from cognify.db import tenant_session
from domain.crm.models import Task
from domain.lms.models import Enrollment
from domain.sis.billing_models import Invoice


def _invoices(tenant_id: UUID) -> list[Invoice]:
    with tenant_session(tenant_id) as session:
        return list(session.exec(select(Invoice)).all())


def _invoice_call(school, amount: str = "120.00") -> dict:
    return call(
        "create_invoice",
        {
            "student_id": str(school.sis_student_id),
            "amount": amount,
            "currency": "USD",
            "description": "Algebra term fee",
        },
        "inv-1",
    )


def test_copilot_creates_task_enrolls_and_waits_for_invoice_approval(client, use_model, make_school):
    school = make_school()
    use_model(
        ScriptedChatModel(
            steps=[
                ai(
                    call("create_task", {"title": "Call Lena back", "lead_id": str(school.lead_id)}, "task-1")
                ),
                ai(
                    call(
                        "enroll_student",
                        {"student_id": str(school.student_user_id), "course_id": str(school.course_id)},
                        "enrol-1",
                    )
                ),
                ai(_invoice_call(school)),
                ai(content="Task created, Sam enrolled and invoiced."),
            ]
        )
    )
    thread = new_thread(client, school.owner)

    answer = ask(client, school.owner, thread, "Follow up Lena, enrol Sam in Algebra and invoice him")

    assert answer["status"] == "awaiting_approval"
    assert answer["approval"] == {
        "tool_call_id": "inv-1",
        "tool": "create_invoice",
        "args": _invoice_call(school)["args"],
    }
    assert [r["status"] for r in results(answer)] == ["success", "success"], results(answer)
    with tenant_session(school.tenant_id) as session:
        task = session.exec(select(Task)).one()
        assert (task.title, task.linked_lead_id) == ("Call Lena back", school.lead_id)
        assert session.exec(select(Enrollment).where(Enrollment.course_id == school.course_id)).one()
    assert _invoices(school.tenant_id) == []
    busy = client.post(
        f"/api/v1/agents/copilot/threads/{thread}/messages", json={"content": "and?"}, headers=school.owner
    )
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "approval_pending"

    approved = decide(client, school.owner, thread, "approve")

    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "complete"
    assert approved.json()["reply"] == "Task created, Sam enrolled and invoiced."
    [invoice] = _invoices(school.tenant_id)
    assert (invoice.amount, invoice.currency, invoice.student_id) == (
        Decimal("120.00"),
        "USD",
        school.sis_student_id,
    )


def test_rejected_invoice_writes_nothing_and_the_model_is_told(client, use_model, make_school):
    school = make_school()
    model = use_model(
        ScriptedChatModel(steps=[ai(_invoice_call(school)), ai(content="Understood, no invoice.")])
    )
    thread = new_thread(client, school.owner)
    assert ask(client, school.owner, thread, "Invoice Sam")["status"] == "awaiting_approval"

    rejected = decide(client, school.owner, thread, "reject")

    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["reply"] == "Understood, no invoice."
    [result] = results(rejected.json())
    assert result["status"] == "error" and "rejected" in result["content"]
    assert _invoices(school.tenant_id) == []
    told = model.seen_messages[-1][-1]
    assert told.type == "tool" and "nothing was done" in told.content
    audit = client.get("/api/v1/agents/audit", params={"thread_id": thread}, headers=school.owner).json()
    assert {(row["kind"], row["outcome"]) for row in audit["data"]} == {
        ("approval", "reject"),
        ("tool_call", "rejected"),
    }


def test_edited_invoice_is_revalidated_and_written_with_the_edited_amount(client, use_model, make_school):
    school = make_school()
    use_model(ScriptedChatModel(steps=[ai(_invoice_call(school)), ai(content="Invoiced 95.50 USD.")]))
    thread = new_thread(client, school.owner)
    ask(client, school.owner, thread, "Invoice Sam")
    edited = {**_invoice_call(school)["args"], "amount": "95.50"}

    invalid = decide(client, school.owner, thread, "edit", {**edited, "amount": "ninety"})
    smuggled = decide(client, school.owner, thread, "edit", {**edited, "tenant_id": str(school.tenant_id)})
    assert (invalid.status_code, smuggled.status_code) == (422, 422)
    assert _invoices(school.tenant_id) == []

    done = decide(client, school.owner, thread, "edit", edited)

    assert done.status_code == 200, done.text
    [invoice] = _invoices(school.tenant_id)
    assert invoice.amount == Decimal("95.50")
    history = client.get(f"/api/v1/agents/copilot/threads/{thread}", headers=school.owner).json()
    [proposal] = [m for m in history["messages"] if m.get("tool_calls")]
    assert proposal["tool_calls"][0]["args"]["amount"] == "95.50"
    assert history["pending_approval"] is None
