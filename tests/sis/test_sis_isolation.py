"""Tenant isolation: another tenant's SIS rows are invisible by id, in lists, and under RLS."""

from sis_helpers import add_user, count

TABLES = ("students", "attendance", "timetables", "invoices", "payments")


def test_other_tenants_rows_answer_404(client, school, make_tenant) -> None:
    b = school
    ids = {"students": b.taught["id"]}
    ids["attendance"] = client.post("/api/v1/attendance", headers=b.admin, json={
        "student_id": b.taught["id"], "status": "present"}).json()["id"]
    ids["timetables"] = client.post("/api/v1/timetables", headers=b.admin, json={
        "name": "B", "classroom_id": "R1", "periods": [{"day": "mon", "start": "09:00", "end": "10:00",
                                                        "subject": "M", "teacher_id": str(b.teacher_id)}]},
    ).json()["id"]
    ids["invoices"] = client.post("/api/v1/invoices", headers=b.admin, json={
        "student_id": b.taught["id"], "amount": "10.00", "currency": "USD"}).json()["id"]
    ids["payments"] = client.post("/api/v1/payments", headers=b.admin, json={
        "invoice_id": ids["invoices"], "amount": "10.00", "currency": "USD", "gateway_ref": "b-1"},
    ).json()["id"]

    a = make_tenant()
    _, admin_a = add_user(a.id, "admin")
    for table, row_id in ids.items():
        url = f"/api/v1/{table}/{row_id}"
        assert client.get(url, headers=admin_a).status_code == 404, table
        assert client.patch(url, headers=admin_a, json={}).status_code == 404, table
        assert client.delete(url, headers=admin_a).status_code == 404, table
        assert client.get(f"/api/v1/{table}", headers=admin_a).json()["count"] == 0, table
        assert count(a.id, table) == 0 and count(b.tenant.id, table) >= 1, table
    leak = client.post("/api/v1/invoices", headers=admin_a, json={
        "student_id": b.taught["id"], "amount": "1.00", "currency": "USD"})
    assert leak.status_code == 422
    replay = client.post("/api/v1/payments", headers=admin_a, json={
        "invoice_id": ids["invoices"], "amount": "10.00", "currency": "USD", "gateway_ref": "b-1"})
    assert replay.status_code == 422
