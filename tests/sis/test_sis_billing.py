"""Invoices and payments: exact money, currency rules, settlement, idempotency, roles, bad input."""

from decimal import Decimal

from sis_helpers import count, error_field

from cognify.db import tenant_session
from domain.sis import service
from domain.sis.billing_models import PaymentCreate

INVOICES = "/api/v1/invoices"
PAYMENTS = "/api/v1/payments"


def invoice(client, s, amount="1234.57", currency="USD", student=None, **extra) -> dict:
    body = {"student_id": student or s.taught["id"], "amount": amount, "currency": currency,
            "course_id": str(s.course_id), "due_date": "2025-09-30", "description": "Tuition", **extra}
    response = client.post(INVOICES, headers=s.admin, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def pay(client, s, inv: dict, amount: str, ref: str, currency: str = "USD", status: str = "succeeded"):
    return client.post(PAYMENTS, headers=s.admin, json={
        "invoice_id": inv["id"], "amount": amount, "currency": currency, "gateway_ref": ref,
        "method": "card", "status": status, "txn_id": f"txn-{ref}"})


def test_amounts_round_trip_exactly(client, school) -> None:
    for sent, shown in (("1234.57", "1234.57"), ("0.10", "0.10"), ("99999999.99", "99999999.99"),
                        ("5", "5.00"), (12, "12.00"), (0.1, "0.10"), ("1e3", "1000.00")):
        inv = invoice(client, school, amount=sent)
        assert inv["amount"] == shown
        assert client.get(f"{INVOICES}/{inv['id']}", headers=school.admin).json()["amount"] == shown
    with tenant_session(school.tenant.id) as session:
        amounts = {r.amount for r in service.list_invoices(session, _admin(session, school), limit=50)[0]}
    assert Decimal("1234.57") in amounts and Decimal("0.10") in amounts
    assert all(isinstance(a, Decimal) for a in amounts)


def _admin(session, s):
    from cognify.security import Actor, Role, permissions_for

    return Actor(s.teacher_id, s.tenant.id, Role.admin, permissions_for(Role.admin))


def test_invoice_crud_and_who_sees_it(client, school) -> None:
    s = school
    mine = invoice(client, s, currency="eur")
    assert mine["currency"] == "EUR" and mine["status"] == "open"
    other = invoice(client, s, student=s.untaught["id"], amount="50.00", status="draft")
    assert client.get(INVOICES, headers=s.admin).json()["count"] == 2
    assert client.get(f"{INVOICES}?status=draft", headers=s.admin).json()["data"][0]["id"] == other["id"]
    assert client.get(f"{INVOICES}?currency=eur&sort=-amount", headers=s.admin).json()["count"] == 1
    assert client.get(f"{INVOICES}?due_before=2025-10-01", headers=s.admin).json()["count"] == 2
    for headers in (s.student, s.parent):
        listed = client.get(INVOICES, headers=headers).json()
        assert [r["id"] for r in listed["data"]] == [mine["id"]]
        assert client.get(f"{INVOICES}/{other['id']}", headers=headers).status_code == 404
        assert client.post(INVOICES, headers=headers, json={"student_id": s.taught["id"], "amount": "1",
                                                           "currency": "USD"}).status_code == 403
        assert client.patch(f"{INVOICES}/{mine['id']}", headers=headers,
                            json={"status": "void"}).status_code == 403
    assert client.get(INVOICES, headers=s.teacher).status_code == 403
    assert client.get(f"{INVOICES}/{mine['id']}", headers=s.teacher).status_code == 403
    patched = client.patch(f"{INVOICES}/{mine['id']}", headers=s.admin,
                           json={"amount": "1500.05", "description": "Tuition, term 1"})
    assert patched.status_code == 200 and patched.json()["amount"] == "1500.05"
    assert client.delete(f"{INVOICES}/{other['id']}", headers=s.admin).status_code == 204
    assert count(s.tenant.id, "invoices") == 1


def test_payments_settle_the_invoice_and_replays_are_idempotent(client, school) -> None:
    s = school
    inv = invoice(client, s, amount="100.10")
    first = pay(client, s, inv, "60.00", "gw-1")
    assert first.status_code == 201, first.text
    assert first.json()["amount"] == "60.00"
    assert client.get(f"{INVOICES}/{inv['id']}", headers=s.admin).json()["status"] == "open"
    second = pay(client, s, inv, "40.10", "gw-2")
    assert second.status_code == 201
    paid = client.get(f"{INVOICES}/{inv['id']}", headers=s.admin).json()
    assert paid["status"] == "paid" and paid["txn_id"] == "txn-gw-2"
    replay = pay(client, s, inv, "40.10", "gw-2")
    assert replay.status_code == 200 and replay.json()["id"] == second.json()["id"]
    assert count(s.tenant.id, "payments") == 2
    reused = pay(client, s, inv, "41.00", "gw-2")
    assert reused.status_code == 409 and "gw-2" in reused.json()["error"]["message"]
    refunded = client.patch(f"{PAYMENTS}/{second.json()['id']}", headers=s.admin, json={"status": "refunded"})
    assert refunded.status_code == 200
    assert client.get(f"{INVOICES}/{inv['id']}", headers=s.admin).json()["status"] in ("open", "overdue")
    back = client.patch(f"{PAYMENTS}/{second.json()['id']}", headers=s.admin, json={"status": "succeeded"})
    assert back.status_code == 409
    changed = client.patch(f"{INVOICES}/{inv['id']}", headers=s.admin, json={"amount": "90.00"})
    assert changed.status_code == 409
    assert client.delete(f"{INVOICES}/{inv['id']}", headers=s.admin).status_code == 409
    for headers in (s.student, s.parent):
        assert client.get(PAYMENTS, headers=headers).json()["count"] == 2
        assert client.post(PAYMENTS, headers=headers, json={}).status_code in (403, 422)
    assert client.get(PAYMENTS, headers=s.teacher).status_code == 403
    assert client.get(f"{PAYMENTS}?gateway_ref=gw-1", headers=s.admin).json()["count"] == 1


def test_pending_payment_then_gateway_success_by_service(client, school) -> None:
    s = school
    inv = invoice(client, s, amount="250.00", currency="INR")
    data = {"invoice_id": inv["id"], "amount": "250.00", "currency": "INR", "gateway_ref": "rzp_1",
            "method": "upi"}
    with tenant_session(s.tenant.id) as session:
        payment, created = service.record_payment(session, None, PaymentCreate(**data, status="pending"))
        assert created and payment.status == "pending"
    assert client.get(f"{INVOICES}/{inv['id']}", headers=s.admin).json()["status"] == "open"
    with tenant_session(s.tenant.id) as session:
        again, created = service.record_payment(session, None, PaymentCreate(**data, status="succeeded"))
        assert not created and again.id == payment.id and again.status == "succeeded"
    assert client.get(f"{INVOICES}/{inv['id']}", headers=s.admin).json()["status"] == "paid"
    assert count(s.tenant.id, "payments") == 1


def test_payment_in_another_currency_is_refused(client, school) -> None:
    inv = invoice(client, school, amount="10.00", currency="USD")
    response = pay(client, school, inv, "10.00", "gw-eur", currency="EUR")
    assert response.status_code == 422 and error_field(response) == "currency"
    assert "EUR" in response.json()["error"]["message"] and "USD" in response.json()["error"]["message"]
    assert count(school.tenant.id, "payments") == 0
    assert client.get(f"{INVOICES}/{inv['id']}", headers=school.admin).json()["status"] == "open"


BAD_INVOICE = [
    ({"amount": "1.00", "currency": "USD"}, "student_id"),
    ({"student_id": "S", "currency": "USD"}, "amount"),
    ({"student_id": "S", "amount": "1.234", "currency": "USD"}, "amount"),
    ({"student_id": "S", "amount": "0", "currency": "USD"}, "amount"),
    ({"student_id": "S", "amount": "-5.00", "currency": "USD"}, "amount"),
    ({"student_id": "S", "amount": "abc", "currency": "USD"}, "amount"),
    ({"student_id": "S", "amount": 0.123, "currency": "USD"}, "amount"),
    ({"student_id": "S", "amount": "10000000000.00", "currency": "USD"}, "amount"),
    ({"student_id": "S", "amount": "100.50", "currency": "JPY"}, "amount"),
    ({"student_id": "S", "amount": "1.00"}, "currency"),
    ({"student_id": "S", "amount": "1.00", "currency": "DOLLARS"}, "currency"),
    ({"student_id": "S", "amount": "1.00", "currency": "ABC"}, "currency"),
    ({"student_id": "S", "amount": "1.00", "currency": "USD", "status": "refunded"}, "status"),
    ({"student_id": "S", "amount": "1.00", "currency": "USD", "status": "paid"}, "status"),
    ({"student_id": "S", "amount": "1.00", "currency": "USD", "due_date": "soon"}, "due_date"),
    ({"student_id": "S", "amount": "1.00", "currency": "USD",
      "course_id": "00000000-0000-0000-0000-000000000001"}, "course_id"),
    ({"student_id": "00000000-0000-0000-0000-000000000001", "amount": "1.00", "currency": "USD"},
     "student_id"),
]


def test_bad_invoice_input_names_the_field_and_writes_nothing(client, school) -> None:
    for body, field in BAD_INVOICE:
        body = {k: school.taught["id"] if v == "S" else v for k, v in body.items()}
        response = client.post(INVOICES, headers=school.admin, json=body)
        assert response.status_code == 422, response.text
        assert error_field(response) == field
    assert count(school.tenant.id, "invoices") == 0
    inv = invoice(client, school)
    for body, field in [({"amount": "0.001"}, "amount"), ({"currency": "usdx"}, "currency"),
                        ({"amount": None}, "amount"), ({"status": "lost"}, "status"),
                        ({"currency": "JPY", "amount": "10.50"}, "amount"),
                        ({"student_id": None}, "student_id")]:
        response = client.patch(f"{INVOICES}/{inv['id']}", headers=school.admin, json=body)
        assert response.status_code == 422, response.text
        assert error_field(response) == field
    assert client.get(f"{INVOICES}/{inv['id']}", headers=school.admin).json() == inv


def test_bad_payment_input_names_the_field_and_writes_nothing(client, school) -> None:
    inv = invoice(client, school)
    ok = {"invoice_id": inv["id"], "amount": "1.00", "currency": "USD", "gateway_ref": "g"}
    cases = [({**ok, "amount": "1.001"}, "amount"), ({**ok, "amount": 1e195}, "amount"),
             ({**ok, "amount": "1E+400"}, "amount"), ({**ok, "currency": "XXX"}, "currency"),
             ({**ok, "gateway_ref": ""}, "gateway_ref"), ({**ok, "method": "cheque"}, "method"),
             ({**ok, "status": "lost"}, "status"), ({**ok, "received_at": "today"}, "received_at"),
             ({k: v for k, v in ok.items() if k != "invoice_id"}, "invoice_id"),
             ({**ok, "invoice_id": "00000000-0000-0000-0000-000000000001"}, "invoice_id")]
    for body, field in cases:
        response = client.post(PAYMENTS, headers=school.admin, json=body)
        assert response.status_code == 422, response.text
        assert error_field(response) == field
    assert count(school.tenant.id, "payments") == 0
    payment = pay(client, school, inv, "1.00", "g-ok").json()
    for body, field in [({"status": "lost"}, "status"), ({"amount": "2.00"}, "amount"),
                        ({"method": None}, "method")]:
        response = client.patch(f"{PAYMENTS}/{payment['id']}", headers=school.admin, json=body)
        assert response.status_code == 422, response.text
        assert error_field(response) == field
    assert client.get(f"{PAYMENTS}/{payment['id']}", headers=school.admin).json() == payment


def test_void_invoice_takes_no_payment_and_delete_payment_reopens(client, school) -> None:
    s = school
    void = invoice(client, s, amount="5.00")
    voided = client.patch(f"{INVOICES}/{void['id']}", headers=s.admin, json={"status": "void"})
    assert voided.status_code == 200
    assert pay(client, s, void, "5.00", "gw-v").status_code == 409
    inv = invoice(client, s, amount="5.00")
    payment = pay(client, s, inv, "5.00", "gw-d").json()
    refused = client.patch(f"{INVOICES}/{inv['id']}", headers=s.admin, json={"status": "void"})
    assert refused.status_code == 409
    assert client.delete(f"{PAYMENTS}/{payment['id']}", headers=s.student).status_code == 403
    assert client.delete(f"{PAYMENTS}/{payment['id']}", headers=s.admin).status_code == 204
    assert client.get(f"{INVOICES}/{inv['id']}", headers=s.admin).json()["status"] in ("open", "overdue")
