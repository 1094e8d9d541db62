"""Modules and content blocks; students get only what the drip schedule has unlocked."""

from typing import Any
from uuid import UUID

from sqlalchemy import false, func, or_, true, update
from sqlmodel import Session, col, select

from cognify.crud import apply_update, order_by, page, where_equal
from cognify.errors import Forbidden, NotFound, ValidationFailed
from cognify.models import utcnow
from cognify.security import Actor, Role
from domain.lms.access import (
    course_visibility,
    is_lms_admin,
    managed_course,
    manages,
    visible_course,
)
from domain.lms.models import (
    ContentBlock,
    ContentBlockCreate,
    ContentBlockUpdate,
    ContentType,
    Course,
    CourseStatus,
    Module,
    ModuleCreate,
    ModulePublic,
    ModuleUpdate,
)
from domain.lms.service._common import changes_of
from domain.lms.service.drip import learning_enrollment, unlocked_block_ids, unlocks_at

MODULE_SORTS = ("sequence", "name", "unlock_after_days", "created_at", "updated_at")
BLOCK_SORTS = ("title", "type", "created_at", "updated_at")
_MEDIA_TYPES = (ContentType.video, ContentType.file)


def _check_refs(session: Session, course_id: UUID, refs: list[UUID]) -> list[UUID]:
    """Distinct block ids in order, each a block of the course (422 naming the field)."""
    unique = list(dict.fromkeys(refs))
    found = set(session.exec(
        select(ContentBlock.id).where(col(ContentBlock.id).in_(unique), ContentBlock.course_id == course_id)
    ).all()) if unique else set()
    missing = [str(r) for r in unique if r not in found]
    if missing:
        raise ValidationFailed(
            f"content_block_refs: {missing[0]} is not a content block of this course",
            details={"field": "content_block_refs", "invalid": missing},
        )
    return unique


def _module_view(actor: Actor, course: Course, module: Module, session: Session) -> ModulePublic:
    view = ModulePublic.model_validate(module)
    if manages(actor, course):
        return view
    enrollment = learning_enrollment(session, actor.user_id, course.id)
    if enrollment is None:
        return view.model_copy(update={"locked": True})
    opens = unlocks_at(course, module, enrollment)
    return view.model_copy(update={"unlocks_at": opens, "locked": opens > utcnow()})


def create_module(session: Session, actor: Actor, course_id: UUID, data: ModuleCreate) -> ModulePublic:
    """A new module in a course the actor manages."""
    course = managed_course(session, actor, course_id)
    module = Module(**data.model_dump(exclude={"content_block_refs"}), course_id=course.id,
                    content_block_refs=_check_refs(session, course.id, data.content_block_refs))
    session.add(module)
    session.flush()
    return ModulePublic.model_validate(module)


def list_modules(
    session: Session, actor: Actor, course_id: UUID, *, q: str | None = None,
    sort: str | None = None, limit: int = 50, offset: int = 0,
) -> tuple[list[ModulePublic], int]:
    """The outline of a visible course; for students each module says whether it is locked."""
    course = visible_course(session, actor, course_id)
    query = select(Module).where(Module.course_id == course.id)
    if q:
        query = query.where(col(Module.name).ilike(f"%{q}%"))
    rows, count = page(session, order_by(query, Module, sort, MODULE_SORTS, default="sequence"),
                       limit, offset)
    return [_module_view(actor, course, m, session) for m in rows], count


def _module(session: Session, actor: Actor, course_id: UUID, module_id: UUID) -> tuple[Course, Module]:
    course = visible_course(session, actor, course_id)
    module = session.get(Module, module_id)
    if module is None or module.course_id != course.id:
        raise NotFound("Module not found")
    return course, module


def get_module(session: Session, actor: Actor, course_id: UUID, module_id: UUID) -> ModulePublic:
    """One module of a visible course."""
    course, module = _module(session, actor, course_id, module_id)
    return _module_view(actor, course, module, session)


def update_module(
    session: Session, actor: Actor, course_id: UUID, module_id: UUID, data: ModuleUpdate
) -> ModulePublic:
    """Change a module of a course the actor manages."""
    course, module = _module(session, actor, course_id, module_id)
    if not manages(actor, course):
        raise Forbidden("You do not manage this course")
    changes = changes_of(data)
    if "content_block_refs" in changes:
        changes["content_block_refs"] = _check_refs(session, course.id, data.content_block_refs or [])
    return ModulePublic.model_validate(apply_update(session, module, changes))


def delete_module(session: Session, actor: Actor, course_id: UUID, module_id: UUID) -> None:
    """Delete a module (its content blocks stay in the course)."""
    course, module = _module(session, actor, course_id, module_id)
    if not manages(actor, course):
        raise Forbidden("You do not manage this course")
    session.delete(module)
    session.flush()


def _check_block(block_type: str, body: str, storage_key: str | None) -> None:
    if block_type in _MEDIA_TYPES and not storage_key:
        raise ValidationFailed(f"storage_key: required for {block_type} blocks",
                               details={"field": "storage_key"})
    if block_type == ContentType.doc and not body.strip():
        raise ValidationFailed("body: required for doc blocks", details={"field": "body"})


def create_content_block(session: Session, actor: Actor, data: ContentBlockCreate) -> ContentBlock:
    """A new content block in a course the actor manages."""
    course = managed_course(session, actor, data.course_id)
    _check_block(data.type, data.body, data.storage_key)
    block = ContentBlock(**data.model_dump(exclude={"course_id"}), course_id=course.id)
    session.add(block)
    session.flush()
    return block


def _block_scope(session: Session, actor: Actor, course_id: UUID | None) -> Any:
    if is_lms_admin(actor):
        return true()
    if actor.can("courses:manage"):
        return col(ContentBlock.course_id).in_(select(Course.id).where(course_visibility(actor)))
    if actor.role == Role.student:
        return col(ContentBlock.id).in_(unlocked_block_ids(session, actor.user_id, course_id))
    return false()


def list_content_blocks(
    session: Session, actor: Actor, *, course_id: UUID | None = None, module_id: UUID | None = None,
    type: ContentType | None = None, q: str | None = None, sort: str | None = None,
    limit: int = 50, offset: int = 0,
) -> tuple[list[ContentBlock], int]:
    """Content the actor may read: staff per course, students only unlocked blocks."""
    query = select(ContentBlock).where(_block_scope(session, actor, course_id))
    query = where_equal(query, ContentBlock, {"course_id": course_id, "type": type})
    if module_id is not None:
        module = session.get(Module, module_id)
        refs = module.content_block_refs if module else []
        query = query.where(col(ContentBlock.id).in_(refs))
    if q:
        pattern = f"%{q}%"
        query = query.where(or_(col(ContentBlock.title).ilike(pattern),
                                col(ContentBlock.body).ilike(pattern)))
    return page(session, order_by(query, ContentBlock, sort, BLOCK_SORTS), limit, offset)


def get_content_block(session: Session, actor: Actor, block_id: UUID) -> ContentBlock:
    """One block: 404 if the actor may not know it, 403 while the drip schedule keeps it locked."""
    block = session.get(ContentBlock, block_id)
    course = session.get(Course, block.course_id) if block else None
    if block is None or course is None:
        raise NotFound("Content block not found")
    if manages(actor, course):
        return block
    published = course.status == CourseStatus.published
    if published and actor.can("courses:manage"):
        return block
    if published and actor.role == Role.student and learning_enrollment(session, actor.user_id, course.id):
        if block.id in unlocked_block_ids(session, actor.user_id, course.id):
            return block
        raise Forbidden("This content is locked by the course's drip schedule", code="content_locked")
    raise NotFound("Content block not found")


def _managed_block(session: Session, actor: Actor, block_id: UUID) -> ContentBlock:
    block = get_content_block(session, actor, block_id)
    course = session.get(Course, block.course_id)
    if course is None or not manages(actor, course):
        raise Forbidden("You do not manage this course")
    return block


def update_content_block(
    session: Session, actor: Actor, block_id: UUID, data: ContentBlockUpdate
) -> ContentBlock:
    """Change a block of a course the actor manages."""
    block = _managed_block(session, actor, block_id)
    changes = changes_of(data)
    _check_block(changes.get("type", block.type), changes.get("body", block.body),
                 changes.get("storage_key", block.storage_key))
    return apply_update(session, block, changes)


def delete_content_block(session: Session, actor: Actor, block_id: UUID) -> None:
    """Delete a block and drop it from its course's modules."""
    block = _managed_block(session, actor, block_id)
    session.exec(  # type: ignore[call-overload]
        update(Module).where(col(Module.course_id) == block.course_id)
        .values(content_block_refs=func.array_remove(Module.content_block_refs, block.id))
    )
    session.delete(block)
    session.flush()
