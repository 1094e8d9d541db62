"""LMS HTTP routes: one router for courses, content, assessments, enrolments and certificates."""

from fastapi import APIRouter

from domain.lms.endpoints import assessments, courses, records

router = APIRouter()
for part in (courses.router, assessments.router, records.router):
    router.include_router(part)
