"""Retention: the beat task purges evidence past each tenant's retention days, and only that."""

from collections.abc import Callable

from exam_setup import Exam, set_customizations
from proctoring_media import Scenes


def _evidence_url(exam: Exam, scenes: Scenes) -> tuple[str, str]:
    session_id = exam.start_session()
    exam.post_frames(session_id, [(4, scenes.covered)])
    exam.api("POST", f"/proctoring/sessions/{session_id}/finish")
    timeline = exam.api("GET", f"/proctoring/sessions/{session_id}/timeline", headers=exam.proctor).json()
    (event,) = timeline["events"]
    assert event["type"] == "camera_blocked" and event["evidence_url"]
    return session_id, event["evidence_url"]


def test_purge_removes_only_expired_evidence(exam_factory: Callable[..., Exam], scenes: Scenes) -> None:
    from domain.privacy.tasks import apply_retention_everywhere

    expiring, keeping = exam_factory(), exam_factory()
    set_customizations(expiring.tenant_id, {"privacy": {"retention_days": {"proctoring_evidence": 0}}})
    expiring_session, expiring_url = _evidence_url(expiring, scenes)
    _, keeping_url = _evidence_url(keeping, scenes)

    assert apply_retention_everywhere()["objects"] >= 1

    gone = expiring.client.get(expiring_url, headers=expiring.proctor)
    assert gone.status_code == 410 and gone.json()["error"]["code"] == "evidence_purged"
    timeline = expiring.api(
        "GET", f"/proctoring/sessions/{expiring_session}/timeline", headers=expiring.proctor
    ).json()
    (event,) = timeline["events"]
    assert event["evidence_purged"] is True and event["evidence_url"] is None
    assert keeping.client.get(keeping_url, headers=keeping.proctor).status_code == 200
