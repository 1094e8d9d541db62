"""The live proctor view in headless Chromium: cards pushed over SSE, a note, ending a session for cause."""

import time

from browser_setup import shoot, sign_in
from exam_setup import jpeg
from playwright.sync_api import expect
from web_setup import PASSWORD, make_exam


def test_proctor_watches_a_live_session_notes_it_and_ends_it_for_cause(
    live, page, client, make_tenant, scenes
):
    tenant = make_tenant()
    exam = make_exam(client, tenant.id, tenant.owner_id)
    sign_in(page, live, tenant.slug, tenant.owner_email, PASSWORD, "/app/proctor/live")
    expect(page.locator("#live-empty")).to_be_visible()
    page.wait_for_function("document.body.dataset.liveStream === 'open'")

    session_id = exam.start_session()
    card = page.locator(f"#live-{session_id}")
    t = 0.0
    for image in [scenes.frontal] * 2 + [scenes.two_faces] * 6:
        posted = time.monotonic()
        response = exam.api("POST", f"/proctoring/sessions/{session_id}/frames", params={"t": t},
                            content=jpeg(image), headers={**exam.student, "Content-Type": "image/jpeg"})
        assert response.status_code == 200, response.text
        expect(card.locator(".live-t")).to_have_text(f"{t:.1f} s", timeout=2_000)  # within 2 s of the API
        assert time.monotonic() - posted < 2.0
        t += 0.5
    expect(card.locator(".live-flags")).to_contain_text("multiple_faces")
    frame = card.locator("img.live-frame")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=frame.element_handle())
    assert frame.evaluate("img => img.naturalWidth") == 640
    assert exam.api("POST", f"/proctoring/sessions/{session_id}/events",
                    json={"events": [{"type": "paste", "start_s": 2.0}]}).status_code == 201
    expect(card.locator(".live-browser")).to_contain_text("paste × 1", timeout=2_000)
    shoot(page, "proctor-live")

    card.get_by_label("Note").fill("A second person behind the candidate.")
    card.get_by_role("button", name="Add note").click()
    page.wait_for_url("**/app/proctor/live")
    expect(page.locator(f"#live-{session_id} .live-notes")).to_have_text("1")
    page.locator(f"#live-{session_id}").get_by_label("Reason").fill("Someone is helping")
    page.locator(f"#live-{session_id}").get_by_role("button", name="End session for cause").click()

    page.wait_for_url(f"**/app/proctor/sessions/{session_id}")
    expect(page.locator("#ended")).to_have_text("for cause: Someone is helping")
    expect(page.locator("#notes")).to_contain_text("A second person behind the candidate.")
    expect(page.locator("#notes")).to_contain_text("Ended the session for cause: Someone is helping")
    shoot(page, "proctor-ended")
    closed = exam.api("POST", f"/proctoring/sessions/{session_id}/frames", params={"t": t},
                      content=jpeg(scenes.frontal), headers={**exam.student, "Content-Type": "image/jpeg"})
    assert closed.status_code == 409
