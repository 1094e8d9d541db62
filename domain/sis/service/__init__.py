"""SIS services: each takes the session and the acting subject first and never commits."""

from domain.sis.service.attendance import (
    create_attendance,
    delete_attendance,
    get_attendance,
    list_attendance,
    update_attendance,
)
from domain.sis.service.invoices import (
    create_invoice,
    delete_invoice,
    get_invoice,
    list_invoices,
    paid_total,
    settle,
    update_invoice,
)
from domain.sis.service.payments import (
    delete_payment,
    get_payment,
    list_payments,
    record_payment,
    update_payment,
)
from domain.sis.service.students import (
    create_student,
    delete_student,
    get_student,
    list_students,
    update_student,
)
from domain.sis.service.timetables import (
    create_timetable,
    delete_timetable,
    find_clashes,
    get_timetable,
    list_timetables,
    update_timetable,
)

__all__ = [
    "create_attendance", "create_invoice", "create_student", "create_timetable", "delete_attendance",
    "delete_invoice", "delete_payment", "delete_student", "delete_timetable", "find_clashes",
    "get_attendance", "get_invoice", "get_payment", "get_student", "get_timetable", "list_attendance",
    "list_invoices", "list_payments", "list_students", "list_timetables", "paid_total", "record_payment",
    "settle", "update_attendance", "update_invoice", "update_payment", "update_student", "update_timetable",
]
