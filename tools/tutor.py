"""The tutor's tool: course-content retrieval limited to the student's enrolled, unlocked material."""

from typing import Any
from uuid import UUID

from pydantic import Field

from cognify.db import TenantSession
from cognify.models import utcnow
from cognify.security import Actor
from domain.lms.models import AssessmentAttempt, AttemptStatus
from domain.lms.service import attempts, content, courses, enrollments
from domain.lms.service.drip import LEARNING, unlocked_block_ids
from tools.spec import ToolArgs, declare
from vector.retrieval import search_content


def active_proctored_attempt(session: TenantSession, actor: Actor) -> AssessmentAttempt | None:
    """The actor's in-progress, proctored attempt whose time has not run out, if any."""
    rows, _ = attempts.list_attempts(
        session, actor, student_id=actor.user_id, status=AttemptStatus.in_progress, limit=50
    )
    now = utcnow()
    for attempt in rows:
        if not attempt.proctored:
            continue
        view = attempts.attempt_view(session, attempt)
        if view.deadline is None or view.deadline > now:
            return attempt
    return None


def learning_course_ids(session: TenantSession, actor: Actor) -> list[UUID]:
    """Published courses the actor is actively (or was successfully) enrolled in."""
    rows, _ = enrollments.list_enrollments(session, actor, student_id=actor.user_id, limit=500)
    enrolled = {e.course_id for e in rows if e.status in LEARNING}
    visible, _ = courses.search_courses(session, actor, limit=500)
    return [c.id for c in visible if c.id in enrolled]


def _locked_modules(session: TenantSession, actor: Actor, course_ids: list[UUID]) -> list[UUID]:
    locked: list[UUID] = []
    for course_id in course_ids:
        modules, _ = content.list_modules(session, actor, course_id, limit=500)
        locked.extend(m.id for m in modules if m.locked)
    return locked


class SearchContentArgs(ToolArgs):
    query: str = Field(min_length=1, max_length=500, description="What to look up in the course material")
    course_id: UUID | None = Field(default=None, description="Limit to one of your courses")
    limit: int = Field(default=6, ge=1, le=10)


@declare("agents:tutor")
async def search_course_content(
    session: TenantSession, actor: Actor, args: SearchContentArgs
) -> dict[str, Any]:
    """Search the material of your enrolled courses; cite the content_block_id of what you use."""
    allowed = learning_course_ids(session, actor)
    if args.course_id is not None:
        allowed = [c for c in allowed if c == args.course_id]
    if not allowed:
        return {"chunks": [], "note": "No enrolled course matches."}
    opened = unlocked_block_ids(session, actor.user_id)
    found = await search_content(
        session,
        args.query,
        course_ids=allowed,
        exclude_module_ids=_locked_modules(session, actor, allowed),
        limit=args.limit * 2,
    )
    usable = [c for c in found if c.content_block_id is None or c.content_block_id in opened][: args.limit]
    return {
        "chunks": [
            {
                "content_block_id": str(c.content_block_id) if c.content_block_id else None,
                "course_id": str(c.course_id),
                "title": c.title,
                "section": " > ".join(c.heading_path),
                "text": c.text,
            }
            for c in usable
        ]
    }
