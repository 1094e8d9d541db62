"""Proctoring needs the student's stored `proctoring_recording` consent; a minor, their guardian's too."""

from collections.abc import Callable

import psycopg
import pytest
from exam_setup import Exam, add_user, as_owner, set_customizations
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from cognify.db import tenant_session

CONSENT = {"purpose": "proctoring_recording", "granted": True, "text_version": "notice-2"}


def _start(exam: Exam):
    return exam.api("POST", "/proctoring/sessions", json={"attempt_id": exam.attempt_id})


def _sessions(exam: Exam) -> int:
    return as_owner(exam.tenant_id, "SELECT count(*) FROM proctoring_sessions WHERE tenant_id = :t",
                    t=exam.tenant_id)[0][0]


def test_no_recording_without_consent_and_withdrawal_is_a_new_record(exam: Exam) -> None:
    refused = _start(exam)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "consent_required"
    assert refused.json()["error"]["details"] == {"purpose": "proctoring_recording", "minor": False}
    assert _sessions(exam) == 0
    given = exam.api("POST", "/privacy/consents", json=CONSENT)
    assert given.status_code == 201, given.text
    assert given.json()["method"] == "api" and given.json()["recorded_by"] == str(exam.student_id)
    withdrawn = exam.api("POST", "/privacy/consents", json={**CONSENT, "granted": False})
    assert withdrawn.status_code == 201
    assert _start(exam).status_code == 409  # the latest record decides
    assert exam.api("POST", "/privacy/consents", json=CONSENT).status_code == 201
    assert _start(exam).status_code == 201
    state = exam.api("GET", "/privacy/consents").json()
    assert [row["granted"] for row in state["history"]] == [True, False, True]
    assert state["current"]["proctoring_recording"]["text_version"] == "notice-2"
    assert state["minor"] is False and state["guardian_age"] == 13


def test_a_minor_needs_their_guardians_consent(exam_factory: Callable[..., Exam]) -> None:
    exam = exam_factory()
    parent_id, parent = add_user(exam.tenant_id, "parent")
    _, stranger = add_user(exam.tenant_id, "parent")
    as_owner(exam.tenant_id, "INSERT INTO students (id, tenant_id, user_id, guardian_id, status, "
             "personal_info, academic_history) VALUES (gen_random_uuid(), :t, :u, :g, 'active', "
             "'{\"name\": \"Grace Hopper\", \"date_of_birth\": \"2015-03-01\"}', '[]')",
             t=exam.tenant_id, u=exam.student_id, g=parent_id)
    assert exam.api("POST", "/privacy/consents", json=CONSENT).status_code == 201
    refused = _start(exam)
    assert refused.status_code == 409 and refused.json()["error"]["details"]["minor"] is True
    guardian = {"purpose": "guardian_consent", "granted": True, "text_version": "g-1",
                "user_id": str(exam.student_id)}
    for who in (exam.student, stranger):  # not the student's own to give, nor another parent's
        denied = exam.api("POST", "/privacy/consents", headers=who, json=guardian)
        assert denied.status_code == 403 and denied.json()["error"]["code"] == "not_your_consent"
    given = exam.api("POST", "/privacy/consents", headers=parent, json=guardian)
    assert given.status_code == 201 and given.json()["method"] == "guardian"
    assert exam.api("GET", f"/privacy/consents?user_id={exam.student_id}", headers=parent).json()["minor"]
    path = f"/privacy/consents?user_id={exam.student_id}"
    assert exam.api("GET", path, headers=stranger).status_code == 404
    assert _start(exam).status_code == 201


def test_the_guardian_age_follows_the_tenant(exam_factory: Callable[..., Exam]) -> None:
    exam = exam_factory()
    as_owner(exam.tenant_id, "UPDATE tenants SET region = 'in' WHERE id = :t", t=exam.tenant_id)
    assert exam.api("GET", "/privacy/consents").json()["guardian_age"] == 18  # DPDP
    set_customizations(exam.tenant_id, {"privacy": {"guardian_consent_age": 16}})
    assert exam.api("GET", "/privacy/consents").json()["guardian_age"] == 16
    for bad in ({"guardian_consent_age": 40}, {"guardian_consent_age": "adult"}):
        response = exam.api("PATCH", "/tenants/current", headers=exam.owner,
                            json={"customizations": {"privacy": bad}})
        assert response.status_code == 422, bad


def test_bad_consent_input_changes_nothing(exam: Exam, make_tenant) -> None:
    stranger = make_tenant()
    for bad in ({**CONSENT, "purpose": "selling_data"}, {**CONSENT, "text_version": ""},
                {**CONSENT, "text_version": "v 1; drop"}, {"purpose": "ai_tutor", "granted": True},
                {**CONSENT, "recorded_by": str(exam.student_id)}):
        response = exam.api("POST", "/privacy/consents", json=bad)
        assert response.status_code == 422 and response.json()["error"]["code"] == "validation_error", bad
    other = exam.api("POST", "/privacy/consents", json={**CONSENT, "user_id": str(stranger.owner_id)})
    assert other.status_code == 404
    classmate_id, _ = add_user(exam.tenant_id, "student")
    assert exam.api("POST", "/privacy/consents",
                    json={**CONSENT, "user_id": str(classmate_id)}).status_code == 403
    assert exam.api("GET", f"/privacy/consents?user_id={classmate_id}").status_code == 404
    assert exam.client.post("/api/v1/privacy/consents", json=CONSENT).status_code == 401
    stored = as_owner(exam.tenant_id, "SELECT count(*) FROM consents WHERE tenant_id = :t", t=exam.tenant_id)
    assert stored == [(0,)]
    # an admin records one given on paper
    given = exam.api("POST", "/privacy/consents", headers=exam.owner,
                     json={**CONSENT, "user_id": str(classmate_id)})
    assert given.status_code == 201 and given.json()["method"] == "admin"


def test_consent_records_are_append_only_for_the_app_role(exam: Exam) -> None:
    assert exam.api("POST", "/privacy/consents", json=CONSENT).status_code == 201
    for statement in ("UPDATE consents SET granted = false", "DELETE FROM consents"):
        with pytest.raises(DBAPIError) as refused, tenant_session(exam.tenant_id) as session:
            session.execute(text(statement))
        assert isinstance(refused.value.orig, psycopg.errors.InsufficientPrivilege), statement
