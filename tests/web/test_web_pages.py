"""Console pages on the server: proctor review and decision, tenancy (404), escaping, theme."""

import json
import re
from uuid import UUID

from agent_helpers_web import ai, call
from sqlalchemy import text
from web_setup import (
    CSRF_META,
    FORM_CSRF,
    add_lead,
    as_owner,
    flagged_exam,
    make_classroom,
    open_proctored_attempt,
    sign_in,
)

from agents.testing import ScriptedChatModel
from cognify.db import tenant_session

XSS = "<script>window.__xss = 1</script>"


def test_proctor_reviews_a_flagged_session_and_clears_it(web, client, make_tenant, scenes):
    tenant = make_tenant()
    exam, session_id = flagged_exam(client, tenant, scenes)
    sign_in(web, tenant.slug, tenant.owner_email)

    queue = web.get("/app/proctor/queue")
    assert queue.status_code == 200 and queue.headers["cache-control"] == "private, no-store"
    assert f"/app/proctor/sessions/{session_id}" in queue.text and "Grace Hopper" in queue.text
    assert "multiple_faces at " in queue.text
    page = web.get(f"/app/proctor/sessions/{session_id}")
    assert page.status_code == 200
    api = client.get(f"/api/v1/proctoring/sessions/{session_id}/timeline", headers=exam.proctor).json()
    assert re.findall(r'data-type="([a-z_]+)"', page.text) == [e["type"] for e in api["events"]]
    assert {"tab_hidden", "multiple_faces", "paste"} <= {e["type"] for e in api["events"]}
    assert 'id="certificate-state" class="cert held"' in page.text
    evidence = [
        line.split('src="')[1].split('"')[0] for line in page.text.splitlines() if 'class="evidence"' in line
    ]
    assert len(evidence) == 1
    image = web.get(evidence[0])
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert image.headers["cache-control"] == "private, no-store"
    with tenant_session(tenant.id) as session:  # FERPA: the console's reads are logged like the API's
        logged = session.execute(text("SELECT via, accessor_id FROM record_access_log "
                                      "WHERE via LIKE 'GET /app/proctor/%'")).all()
    assert {via for via, _ in logged} == {"GET /app/proctor/sessions/{session_id}",
                                          "GET /app/proctor/sessions/{session_id}/evidence/{event_id}"}
    assert {accessor for _, accessor in logged} == {tenant.owner_id}
    csrf = FORM_CSRF.search(page.text).group(1)

    decided = web.post(
        f"/app/proctor/sessions/{session_id}/decision",
        headers={"HX-Request": "true"},
        data={"decision": "cleared", "note": "Poster <b>behind</b> them", "csrf_token": csrf},
    )

    assert decided.status_code == 200, decided.text
    assert 'class="cert issued"' in decided.text and "Poster &lt;b&gt;behind&lt;/b&gt; them" in decided.text
    assert exam.certificates()[0]["status"] == "issued"
    assert f"/app/proctor/sessions/{session_id}" not in web.get("/app/proctor/queue").text


def test_students_cannot_read_evidence_and_other_tenants_get_404(web, client, make_tenant, scenes):
    tenant, other = make_tenant(), make_tenant()
    exam, session_id = flagged_exam(client, tenant, scenes)
    timeline = client.get(f"/api/v1/proctoring/sessions/{session_id}/timeline", headers=exam.proctor).json()
    evidence = next(e["evidence_url"] for e in timeline["events"] if e["evidence_url"]).split("/")[-1]
    room = make_classroom(tenant.id)
    sign_in(web, tenant.slug, room.student_email)
    assert web.get(f"/app/proctor/sessions/{session_id}/evidence/{evidence}").status_code == 403

    web.cookies.clear()
    sign_in(web, other.slug, other.owner_email)
    for path in (
        f"/app/proctor/sessions/{session_id}",
        f"/app/proctor/sessions/{session_id}/evidence/{evidence}",
        f"/app/content/{room.block_id}",
        f"/app/courses/{room.course_id}",
    ):
        response = web.get(path)
        assert response.status_code == 404, path
        assert "Not found" in response.text
    foreign_thread = client.post("/api/v1/agents/copilot/threads", headers=exam.owner).json()["thread_id"]
    assert web.get(f"/app/copilot/{foreign_thread}").status_code == 404


def test_lead_names_and_model_output_render_as_text(web, make_tenant, use_model):
    tenant = make_tenant()
    add_lead(tenant.id, f"Mallory {XSS}")
    use_model(
        ScriptedChatModel(
            steps=[
                ai(call("search_leads", {"q": "Mallory"}, "s-1")),
                ai(content=f"Found Mallory. {XSS} [block:{tenant.id}]"),
            ]
        )
    )
    csrf = sign_in(web, tenant.slug, tenant.owner_email)
    headers = {"X-CSRF-Token": csrf, "Accept": "application/json"}
    thread = web.post("/app/agents/copilot/threads", headers=headers).json()["thread_id"]

    streamed = web.post(
        f"/app/agents/copilot/threads/{thread}/messages",
        json={"content": f"find {XSS}"},
        headers=headers | {"Accept": "text/event-stream"},
    )

    assert streamed.status_code == 200 and streamed.headers["content-type"].startswith("text/event-stream")
    events = [block.split("\n") for block in streamed.text.strip().split("\n\n")]
    names = [lines[0].removeprefix("event: ") for lines in events]
    assert names[0] == "tool_call" and "tool_result" in names and names[-1] == "done"
    final = json.loads(events[names.index("message")][1].removeprefix("data: "))
    assert XSS in final["content"]
    page = web.get(f"/app/copilot/{thread}")
    assert page.status_code == 200
    assert "<script>window" not in page.text
    assert "Mallory &lt;script&gt;window.__xss = 1&lt;/script&gt;" in page.text
    assert "Found Mallory. &lt;script&gt;" in page.text
    assert f'href="/app/content/{tenant.id}"' in page.text
    assert page.text.count("<script") == page.text.count('<script src="/app/static/')


def test_tenant_theme_and_name_are_applied_and_css_injection_is_ignored(web, make_tenant):
    tenant = make_tenant()
    theme = {"primary": "#112233", "accent": "red;} body{display:none", "background": "rgb(250, 250, 240)"}
    as_owner(
        tenant.id,
        "UPDATE tenants SET theme = CAST(:t AS jsonb), customizations = CAST(:c AS jsonb) WHERE id = :i",
        t=json.dumps(theme),
        c=json.dumps({"display_name": "Acme <Academy>"}),
        i=UUID(str(tenant.id)),
    )
    sign_in(web, tenant.slug, tenant.owner_email)
    response = web.get("/app/")
    assert "script-src 'self';" in response.headers["content-security-policy"]
    page = response.text
    assert "--primary: #112233;" in page and "--bg: rgb(250, 250, 240);" in page
    assert "display:none" not in page and "--accent: #0f766e;" in page
    assert "Acme &lt;Academy&gt;" in page and 'name="viewport"' in page


def test_the_tutor_asks_for_the_ai_use_policy_first(web, make_tenant):
    tenant = make_tenant()
    room = make_classroom(tenant.id)
    sign_in(web, tenant.slug, room.student_email)
    page = web.get(f"/app/courses/{room.course_id}/tutor").text
    assert 'id="ai-policy"' in page and 'id="message"' not in page
    refused = web.post("/app/agents/tutor/threads", headers={"X-CSRF-Token": CSRF_META.search(page).group(1)})
    assert refused.status_code == 409  # no thread before the policy is accepted
    accepted = web.post(f"/app/courses/{room.course_id}/tutor/policy",
                        data={"csrf_token": FORM_CSRF.search(page).group(1)}, follow_redirects=False)
    assert accepted.status_code == 303, accepted.text
    page = web.get(f"/app/courses/{room.course_id}/tutor").text
    assert 'id="ai-policy"' not in page and 'id="message"' in page
    assert as_owner(tenant.id, "SELECT method, text_version FROM consents WHERE user_id = :u AND purpose = "
                    "'ai_tutor'", u=room.student_id) == [("web", "ai-use-1")]


def test_tutor_page_is_closed_with_the_reason_during_a_proctored_attempt(web, make_tenant):
    tenant = make_tenant()
    room = make_classroom(tenant.id)
    sign_in(web, tenant.slug, room.student_email)
    assert 'id="tutor-closed"' not in web.get(f"/app/courses/{room.course_id}/tutor").text
    open_proctored_attempt(tenant.id, room.course_id, room.student_id)

    page = web.get(f"/app/courses/{room.course_id}/tutor")

    assert page.status_code == 200 and 'id="tutor-closed"' in page.text
    assert "proctored exam in progress (Midterm &lt;b&gt;exam&lt;/b&gt;)" in page.text
    assert "disabled" in page.text.split('id="message"')[1].split(">")[0]


def test_tool_cards_summarise_results_and_link_the_course_they_name(web, make_tenant, use_model):
    tenant = make_tenant()
    room = make_classroom(tenant.id)
    use_model(
        ScriptedChatModel(
            steps=[
                ai(call("get_course", {"course_id": str(room.course_id)}, "c-1")),
                ai(content="Biology it is."),
            ]
        )
    )
    csrf = sign_in(web, tenant.slug, tenant.owner_email)
    headers = {"X-CSRF-Token": csrf, "Accept": "application/json"}
    thread = web.post("/app/agents/copilot/threads", headers=headers).json()["thread_id"]
    web.post(f"/app/agents/copilot/threads/{thread}/messages", json={"content": "course?"}, headers=headers)

    page = web.get(f"/app/copilot/{thread}").text

    assert f'course_id=<a href="/app/courses/{room.course_id}">{room.course_id}</a>' in page
    assert '<ul class="tool-summary"><li>Biology 101</li></ul>' in page
    assert web.get(f"/app/courses/{room.course_id}").status_code == 200


def test_approval_card_values_cannot_break_out_of_their_attributes():
    from web.rendering import templates

    pending = {
        "tool": "launch_campaign",
        "tool_call_id": "x",
        "args": {"name": '"><img src=x>', "segments": ['a"b', "<i>"], "budget": 3},
    }
    html = templates.get_template("_chat.html").render(
        agent="copilot", thread_id=None, thread_url="/app/copilot/", messages=[], pending=pending, closed=None
    )

    assert 'value="&#34;&gt;&lt;img src=x&gt;"' in html
    assert 'value="[&#34;a\\&#34;b&#34;, &#34;&lt;i&gt;&#34;]" data-json="yes"' in html
    assert 'value="3" data-json="yes"' in html and "<img" not in html and "<i>" not in html
