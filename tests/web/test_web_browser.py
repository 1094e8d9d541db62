"""End-to-end in headless Chromium: proctor review, copilot approval, tutor, exam page, escaping.

Screenshots land in artifacts/screenshots/.
"""

import re
from decimal import Decimal

from agent_helpers_web import ai, call
from browser_setup import shoot, sign_in
from playwright.sync_api import Page, expect
from sqlmodel import select
from web_setup import (
    PASSWORD,
    add_lead,
    add_sis_student,
    flagged_exam,
    make_classroom,
    make_exam,
    open_proctored_attempt,
    set_password,
)

from agents.testing import ScriptedChatModel
from cognify.db import tenant_session
from domain.sis.billing_models import Invoice

XSS = "<script>window.__xss = 1</script>"
AT_LEAST_2, AT_LEAST_3 = re.compile(r"^([2-9]|\d\d+)$"), re.compile(r"^([3-9]|\d\d+)$")


def test_proctor_clears_the_first_flagged_session_and_the_certificate_is_issued(
    live, page, client, make_tenant, scenes
):
    tenant = make_tenant()
    exam, session_id = flagged_exam(client, tenant, scenes)
    sign_in(page, live, tenant.slug, tenant.owner_email, PASSWORD, "/app/proctor/queue")
    shoot(page, "review-queue")

    page.locator(".queue-link").first.click()
    page.wait_for_url(f"**/app/proctor/sessions/{session_id}")
    expect(page.locator("#timeline .event")).to_have_count(3)
    evidence = page.locator("img.evidence").first
    expect(evidence).to_be_visible()
    # visible comes before loaded: wait for the decode, then check the picture is the real frame
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=evidence.element_handle())
    assert evidence.evaluate("img => img.naturalWidth") == 640
    page.keyboard.press("j")
    expect(page.locator("#event-1")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.locator("#event-2")).to_be_focused()
    page.keyboard.press("k")
    expect(page.locator("#event-1")).to_be_focused()
    expect(page.locator("#certificate-state")).to_have_text("held")
    shoot(page, "review-timeline")

    page.get_by_label("cleared").check()
    page.get_by_label("Note (required)").fill("The second face is a poster; room scan checked.")
    page.get_by_role("button", name="Record decision").click()

    expect(page.locator("#certificate-state")).to_have_text("issued")
    expect(page.locator("#decision-value")).to_have_text("cleared")
    shoot(page, "review-decided")
    assert exam.certificates()[0]["status"] == "issued"


def test_copilot_invoice_waits_for_approval_and_is_written_with_the_edited_amount(live, page, make_tenant):
    tenant = make_tenant()
    student = add_sis_student(tenant.id)
    proposed = {"student_id": str(student), "amount": "120.00", "currency": "USD", "description": "Term fee"}
    live.use(
        ScriptedChatModel(
            steps=[
                ai(call("create_invoice", proposed, "inv-1")),
                ai(content="Invoiced Sam Student 95.50 USD."),
            ]
        )
    )
    sign_in(page, live, tenant.slug, tenant.owner_email, PASSWORD, "/app/copilot")

    page.get_by_label("Message").fill("Invoice Sam for the term fee")
    page.get_by_label("Message").press("Enter")

    card = page.locator(".approval")
    expect(card).to_be_visible()
    expect(card.get_by_label("amount")).to_have_value("120.00")
    expect(card.get_by_label("student_id")).to_have_value(str(student))
    expect(page.locator(".tool-card.call")).to_contain_text("create_invoice")
    shoot(page, "copilot-approval")
    with tenant_session(tenant.id) as session:
        assert session.exec(select(Invoice)).all() == []

    card.get_by_role("button", name="Edit arguments").click()
    card.get_by_label("amount").fill("95.50")
    card.get_by_role("button", name="Save edits and approve").click()

    expect(page.locator("#chat")).to_have_attribute("data-status", "complete")
    expect(page.locator(".msg.assistant").last).to_have_text(re.compile("Invoiced Sam Student 95.50 USD."))
    with tenant_session(tenant.id) as session:
        [invoice] = session.exec(select(Invoice)).all()
        assert (invoice.amount, invoice.student_id) == (Decimal("95.50"), student)
    page.reload()
    expect(page.locator(".threads a[aria-current=page]")).to_have_text("Invoice Sam for the term fee")
    expect(page.locator(".tool-card.result")).to_contain_text("create_invoice · success")
    shoot(page, "copilot-thread")


def test_tutor_streams_a_cited_answer_and_is_closed_during_a_proctored_exam(live, page, make_tenant):
    tenant = make_tenant()
    room = make_classroom(tenant.id)
    live.use(ScriptedChatModel(steps=[ai(content=f"Plants use light [block:{room.block_id}]. What else?")]))
    sign_in(page, live, tenant.slug, room.student_email, PASSWORD, f"/app/courses/{room.course_id}/tutor")
    expect(page.locator("#ai-policy")).to_contain_text("The tutor is an AI")
    page.get_by_role("button", name="I accept the AI-use policy (ai-use-1)").click()

    page.get_by_label("Message").fill("How does photosynthesis work?")
    page.get_by_role("button", name="Send").click()

    expect(page.locator("#chat")).to_have_attribute("data-status", "complete")
    answer = page.locator(".msg.assistant").last
    expect(answer).to_contain_text("Plants use light [source]. What else?")
    shoot(page, "tutor-answer")
    answer.get_by_role("link", name="[source]").click()
    page.wait_for_url(f"**/app/content/{room.block_id}")
    expect(page.locator("#block-title")).to_have_text("Photosynthesis")

    open_proctored_attempt(tenant.id, room.course_id, room.student_id)
    page.goto(f"{live.url}/app/courses/{room.course_id}/tutor")
    expect(page.locator("#tutor-closed")).to_contain_text("proctored exam in progress (Midterm <b>exam</b>)")
    expect(page.get_by_label("Message")).to_be_disabled()
    shoot(page, "tutor-closed")


def test_exam_page_posts_camera_frames_and_a_tab_switch_to_the_timeline(live, page, client, make_tenant):
    tenant = make_tenant()
    exam = make_exam(client, tenant.id, tenant.owner_id)
    email = set_password(tenant.id, exam.student_id)
    sign_in(page, live, tenant.slug, email, PASSWORD, f"/app/attempts/{exam.attempt_id}")
    expect(page.locator("#consent")).to_contain_text("still JPEG frames")
    shoot(page, "exam-consent")

    page.get_by_role("button", name="I agree: turn on my camera").click()
    proctoring = page.locator("#proctoring")
    expect(proctoring).to_have_attribute("data-frames", AT_LEAST_3)
    _switch_away_and_back(page)
    page.locator("fieldset legend").first.dblclick()
    page.keyboard.press("Control+c")
    expect(proctoring).to_have_attribute("data-events", AT_LEAST_2)
    expect(page.locator("#event-log")).to_contain_text("tab_hidden")
    expect(page.locator("#event-log")).to_contain_text("copy")
    shoot(page, "exam-recording")
    page.get_by_label("4").check()
    page.get_by_label("True").check()
    page.get_by_role("button", name="Submit the exam").click()
    expect(page.locator("#result")).to_contain_text("passed")

    session_id = _session_of(exam)
    timeline = client.get(f"/api/v1/proctoring/sessions/{session_id}/timeline", headers=exam.proctor).json()
    assert timeline["session"]["frames_processed"] >= 3 and timeline["session"]["status"] == "completed"
    browser_events = {e["type"]: e for e in timeline["events"] if e["source"] == "browser"}
    assert {"tab_hidden", "copy"} <= set(browser_events)
    assert browser_events["tab_hidden"]["end_s"] - browser_events["tab_hidden"]["start_s"] >= 0.5
    consents = client.get("/api/v1/privacy/consents", headers=exam.student).json()
    stored = consents["current"]["proctoring_recording"]  # "I agree" became a stored consent record
    assert stored["granted"] and stored["method"] == "exam_page" and stored["text_version"] == "exam-page-1"


def _switch_away_and_back(page: Page) -> None:
    """Hide the exam tab for a moment and show it again.

    Headless Chromium keeps every page visible (a second tab, bring_to_front or a minimised window
    change nothing), so the page gets exactly what a real tab switch delivers: `visibilityState`
    becomes "hidden" with a `visibilitychange` event, then "visible" with another.
    """
    for state in ("hidden", "visible"):
        page.evaluate(
            """state => {
                Object.defineProperty(document, "visibilityState", {configurable: true, get: () => state});
                document.dispatchEvent(new Event("visibilitychange"));
            }""",
            state,
        )
        if state == "hidden":
            page.wait_for_timeout(600)  # the tab stays hidden for a measurable span


def _session_of(exam) -> str:
    from exam_setup import as_owner

    rows = as_owner(
        exam.tenant_id, "SELECT id FROM proctoring_sessions WHERE attempt_id = :a", a=exam.attempt_id
    )
    return str(rows[0][0])


def test_script_tags_in_a_lead_name_and_in_model_output_render_as_text(live, page, make_tenant):
    tenant = make_tenant()
    add_lead(tenant.id, f"Mallory {XSS}")
    live.use(
        ScriptedChatModel(
            steps=[ai(call("search_leads", {"q": "Mallory"}, "s-1")), ai(content=f"Here she is: {XSS}")]
        )
    )
    sign_in(page, live, tenant.slug, tenant.owner_email, PASSWORD, "/app/copilot")

    page.get_by_label("Message").fill(f"Find {XSS}")
    page.get_by_label("Message").press("Enter")

    expect(page.locator("#chat")).to_have_attribute("data-status", "complete")
    expect(page.locator(".tool-summary")).to_have_text(f"Mallory {XSS}")
    expect(page.locator(".msg.assistant").last).to_contain_text(f"Here she is: {XSS}")
    assert page.evaluate("window.__xss") is None
    page.reload()
    expect(page.locator(".tool-summary")).to_have_text(f"Mallory {XSS}")
    expect(page.locator(".msg.user")).to_have_text(re.compile(re.escape(f"Find {XSS}")))
    assert page.evaluate("window.__xss") is None
    shoot(page, "copilot-escaping")
