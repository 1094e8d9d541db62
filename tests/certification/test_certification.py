"""Certification without proctoring, the PDF, and the public verification check."""

import io
from datetime import UTC, datetime

import pytest
from exam_setup import FAILING, make_exam
from fastapi.testclient import TestClient
from pypdf import PdfReader

from domain.certification.pdf import render_certificate


@pytest.fixture
def tenant(make_tenant):
    """A fresh tenant."""
    return make_tenant()


def test_a_passed_unproctored_exam_certifies_directly(client: TestClient, tenant) -> None:
    exam = make_exam(client, tenant.id, tenant.owner_id, proctored=False)
    exam.submit()
    (certificate,) = exam.certificates()
    assert certificate["status"] == "issued" and certificate["score"] == 100.0
    pdf = exam.api("GET", f"/certificates/{certificate['id']}/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and pdf.headers["cache-control"] == "private, no-store"

    check = client.get(f"/api/v1/certificates/verify/{certificate['verification_code']}")
    assert check.status_code == 200
    body = check.json()
    assert set(body) == {"holder_name", "course_title", "issued_at", "status", "valid"}
    assert body["holder_name"] == "Grace Hopper" and body["course_title"] == "Compilers 101"
    assert body["status"] == "issued" and body["valid"] is True
    assert datetime.fromisoformat(body["issued_at"]) == datetime.fromisoformat(certificate["issued_at"])


def test_failed_attempts_and_quizzes_earn_nothing(client: TestClient, tenant) -> None:
    failed = make_exam(client, tenant.id, tenant.owner_id, proctored=False)
    failed.submit(FAILING)
    assert failed.certificates() == []
    quiz = make_exam(client, tenant.id, tenant.owner_id, proctored=False, kind="quiz")
    quiz.submit()
    assert quiz.certificates() == []


def test_others_cannot_download_a_students_certificate(client: TestClient, tenant, make_tenant) -> None:
    exam = make_exam(client, tenant.id, tenant.owner_id, proctored=False)
    exam.submit()
    (certificate,) = exam.certificates()
    other = make_exam(client, tenant.id, tenant.owner_id, proctored=False)
    assert other.api("GET", f"/certificates/{certificate['id']}/pdf").status_code == 404
    assert client.get(f"/api/v1/certificates/{certificate['id']}/pdf").status_code == 401


def test_verify_unknown_code_is_404_and_needs_no_sign_in(client: TestClient) -> None:
    response = client.get("/api/v1/certificates/verify/no-such-code-123")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/certificates/verify/short").status_code == 422


def _page_text(pdf: bytes) -> str:
    """The text a PDF reader extracts from the certificate."""
    return PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_pdf_names_the_holder_course_and_code() -> None:
    data = render_certificate("Ada Lovelace", "Analytical Engines", datetime(2026, 5, 1, tzinfo=UTC),
                              "code-abc123", "Cognify Academy")
    assert data.startswith(b"%PDF")
    text = _page_text(data)
    for expected in ("Ada Lovelace", "Analytical Engines", "code-abc123", "01 May 2026", "Cognify Academy"):
        assert expected in text


@pytest.mark.parametrize("name", ["Łukasz Żółć", "Nguyễn Thị Minh Khai", "Zoë Ångström", "Дмитрий Иванов"])
def test_pdf_keeps_non_latin1_names(name: str) -> None:
    data = render_certificate(name, "Kỹ thuật phần mềm", datetime(2026, 5, 1, tzinfo=UTC), "c-1", "Trường Ý")
    text = _page_text(data)
    assert name in text and "Kỹ thuật phần mềm" in text and "Trường Ý" in text
    assert "?" not in text
