"""Flow 2: a signed payment webhook pays the invoice, provisions the student and enrols them once."""

import time
from concurrent.futures import ThreadPoolExecutor
from uuid import uuid4

from events_helpers import add_user, rows, sql, wait_for, webhook_secret

from domain.webhooks.signing import sign


def _school(client, tenant, login, amount="100.00"):
    admin = login(tenant.slug, tenant.owner_email)
    teacher_id, _ = add_user(tenant.id, "teacher")
    course_id = sql(tenant.id, "INSERT INTO courses (id, title, status, teacher_ids) VALUES "
                    "(:id, 'Data Science 101', 'published', CAST(:t AS uuid[])) RETURNING id",
                    id=uuid4(), t=[str(teacher_id)])
    student = client.post("/api/v1/students", headers=admin, json={
        "personal_info": {"name": "Priya Sharma", "email": "priya@example.com"}, "status": "inactive"})
    assert student.status_code == 201, student.text
    invoice = client.post("/api/v1/invoices", headers=admin, json={
        "student_id": student.json()["id"], "course_id": str(course_id), "amount": amount, "currency": "USD"})
    assert invoice.status_code == 201, invoice.text
    return admin, student.json()["id"], invoice.json()["id"], course_id


def _settled(tenant_id) -> bool:
    return sql(tenant_id, "SELECT count(*) FROM outbox_events WHERE processed_at IS NULL") == 0


def test_five_concurrent_deliveries_record_one_payment_and_enrol_once(worker, make_tenant, login, client):
    tenant = make_tenant()
    admin, student_id, invoice_id, course_id = _school(client, tenant, login)
    secret = webhook_secret(client, admin)
    body = (f'{{"gateway_ref": "pay_123", "invoice_id": "{invoice_id}", "amount": "100.00", '
            f'"currency": "usd", "status": "succeeded"}}').encode()
    now = int(time.time())

    def deliver(i: int):  # each retry of the gateway is signed afresh, so none is a replay
        headers = {"X-Cognify-Signature": sign(secret, body, now - i), "Content-Type": "application/json"}
        return client.post(f"/api/v1/webhooks/payments/{tenant.slug}", content=body, headers=headers)

    with ThreadPoolExecutor(5) as pool:
        responses = list(pool.map(deliver, range(5)))
    assert [r.status_code for r in responses] == [202] * 5, [r.text for r in responses]
    assert sum(r.json()["created"] for r in responses) == 1
    assert sum(r.json()["detail"]["invoice_paid"] for r in responses) == 1
    assert sql(tenant.id, "SELECT count(*) FROM payments") == 1
    assert sql(tenant.id, "SELECT status FROM invoices WHERE id = :id", id=invoice_id) == "paid"

    wait_for(lambda: sql(tenant.id, "SELECT count(*) FROM enrollments"), what="the enrolment")
    wait_for(lambda: _settled(tenant.id), what="every event handled")
    student = rows(tenant.id, "SELECT s.status, s.user_id, u.role, u.email FROM students s "
                   "JOIN users u ON u.id = s.user_id WHERE s.id = :id", id=student_id)[0]
    assert student["status"] == "active" and student["role"] == "student"
    assert student["email"] == "priya@example.com"
    enrolments = rows(tenant.id, "SELECT student_id, course_id, status FROM enrollments")
    assert enrolments == [{"student_id": student["user_id"], "course_id": course_id, "status": "active"}]


def test_failed_and_partial_payments_change_only_the_payment(worker, make_tenant, login, client, signed_post):
    tenant = make_tenant()
    admin, _, invoice_id, _ = _school(client, tenant, login)
    secret = webhook_secret(client, admin)
    path = f"/api/v1/webhooks/payments/{tenant.slug}"
    failed = signed_post(path, {"gateway_ref": "pay_f", "invoice_id": invoice_id, "amount": "100.00",
                                "currency": "USD", "status": "failed"}, secret)
    partial = signed_post(path, {"gateway_ref": "pay_p", "invoice_id": invoice_id, "amount": "40.00",
                                 "currency": "USD"}, secret)
    assert failed.status_code == partial.status_code == 202
    assert sql(tenant.id, "SELECT count(*) FROM payments") == 2
    assert sql(tenant.id, "SELECT status FROM invoices WHERE id = :id", id=invoice_id) == "open"
    assert sql(tenant.id, "SELECT count(*) FROM outbox_events") == 0
    assert sql(tenant.id, "SELECT count(*) FROM enrollments") == 0
    assert sql(tenant.id, "SELECT user_id FROM students") is None
