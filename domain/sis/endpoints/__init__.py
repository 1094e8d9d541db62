"""SIS/ERP HTTP API: one router for students, attendance, timetables, invoices and payments."""

from fastapi import APIRouter

from domain.sis.endpoints.billing import router as billing_router
from domain.sis.endpoints.records import router as records_router

router = APIRouter()
router.include_router(records_router)
router.include_router(billing_router)
