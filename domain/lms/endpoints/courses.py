"""Routes for courses, their modules and content blocks."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from cognify.api import PageDep, SessionDep, SortParam
from domain.identity.deps import CurrentActor
from domain.lms.models import (
    ContentBlock,
    ContentBlockCreate,
    ContentBlockPublic,
    ContentBlocksPublic,
    ContentBlockUpdate,
    ContentType,
    Course,
    CourseCreate,
    CoursePublic,
    CoursesPublic,
    CourseStatus,
    CourseUpdate,
    ModuleCreate,
    ModulePublic,
    ModulesPublic,
    ModuleUpdate,
)
from domain.lms.service import content, courses

router = APIRouter(prefix="/api/v1", tags=["lms"])
Text = Annotated[str | None, Query(max_length=200)]
NO_CONTENT = status.HTTP_204_NO_CONTENT


@router.post("/courses", response_model=CoursePublic, status_code=status.HTTP_201_CREATED)
def create_course(session: SessionDep, actor: CurrentActor, body: CourseCreate) -> Course:
    """Create a course (staff with courses:manage)."""
    return courses.create_course(session, actor, body)


@router.get("/courses", response_model=CoursesPublic)
def list_courses(
    session: SessionDep, actor: CurrentActor, page: PageDep, sort: SortParam = None, q: Text = None,
    tag: Text = None, status: CourseStatus | None = None, type: Text = None, teacher_id: UUID | None = None,
) -> CoursesPublic:
    """Courses the caller may see."""
    rows, count = courses.search_courses(
        session, actor, q=q, tag=tag, status=status, type=type, teacher_id=teacher_id, sort=sort,
        limit=page.limit, offset=page.offset,
    )
    return CoursesPublic(data=[CoursePublic.model_validate(c) for c in rows], count=count)


@router.get("/courses/{course_id}", response_model=CoursePublic)
def read_course(session: SessionDep, actor: CurrentActor, course_id: UUID) -> Course:
    """One course."""
    return courses.get_course(session, actor, course_id)


@router.patch("/courses/{course_id}", response_model=CoursePublic)
def update_course(session: SessionDep, actor: CurrentActor, course_id: UUID, body: CourseUpdate) -> Course:
    """Change a course the caller manages."""
    return courses.update_course(session, actor, course_id, body)


@router.delete("/courses/{course_id}", status_code=NO_CONTENT)
def delete_course(session: SessionDep, actor: CurrentActor, course_id: UUID) -> Response:
    """Delete a course the caller manages."""
    courses.delete_course(session, actor, course_id)
    return Response(status_code=NO_CONTENT)


@router.post("/courses/{course_id}/modules", response_model=ModulePublic, status_code=status.HTTP_201_CREATED)
def create_module(
    session: SessionDep, actor: CurrentActor, course_id: UUID, body: ModuleCreate
) -> ModulePublic:
    """Add a module to a course."""
    return content.create_module(session, actor, course_id, body)


@router.get("/courses/{course_id}/modules", response_model=ModulesPublic)
def list_modules(
    session: SessionDep, actor: CurrentActor, course_id: UUID, page: PageDep, sort: SortParam = None,
    q: Text = None,
) -> ModulesPublic:
    """A course's modules in order; students see which are locked."""
    rows, count = content.list_modules(session, actor, course_id, q=q, sort=sort, limit=page.limit,
                                       offset=page.offset)
    return ModulesPublic(data=rows, count=count)


@router.get("/courses/{course_id}/modules/{module_id}", response_model=ModulePublic)
def read_module(session: SessionDep, actor: CurrentActor, course_id: UUID, module_id: UUID) -> ModulePublic:
    """One module."""
    return content.get_module(session, actor, course_id, module_id)


@router.patch("/courses/{course_id}/modules/{module_id}", response_model=ModulePublic)
def update_module(
    session: SessionDep, actor: CurrentActor, course_id: UUID, module_id: UUID, body: ModuleUpdate
) -> ModulePublic:
    """Change a module."""
    return content.update_module(session, actor, course_id, module_id, body)


@router.delete("/courses/{course_id}/modules/{module_id}", status_code=NO_CONTENT)
def delete_module(session: SessionDep, actor: CurrentActor, course_id: UUID, module_id: UUID) -> Response:
    """Delete a module."""
    content.delete_module(session, actor, course_id, module_id)
    return Response(status_code=NO_CONTENT)


@router.get("/courses/{course_id}/content-blocks", response_model=ContentBlocksPublic)
def list_course_content(
    session: SessionDep, actor: CurrentActor, course_id: UUID, page: PageDep, sort: SortParam = None,
    type: ContentType | None = None, module_id: UUID | None = None, q: Text = None,
) -> ContentBlocksPublic:
    """A course's content the caller may read."""
    return list_content_blocks(session, actor, page, sort=sort, course_id=course_id, type=type,
                               module_id=module_id, q=q)


@router.post("/content-blocks", response_model=ContentBlockPublic, status_code=status.HTTP_201_CREATED)
def create_content_block(session: SessionDep, actor: CurrentActor, body: ContentBlockCreate) -> ContentBlock:
    """Create a content block in a course the caller manages."""
    return content.create_content_block(session, actor, body)


@router.get("/content-blocks", response_model=ContentBlocksPublic)
def list_content_blocks(
    session: SessionDep, actor: CurrentActor, page: PageDep, sort: SortParam = None,
    course_id: UUID | None = None, type: ContentType | None = None, module_id: UUID | None = None,
    q: Text = None,
) -> ContentBlocksPublic:
    """Content the caller may read (students: only what the drip schedule unlocked)."""
    rows, count = content.list_content_blocks(
        session, actor, course_id=course_id, module_id=module_id, type=type, q=q, sort=sort,
        limit=page.limit, offset=page.offset,
    )
    return ContentBlocksPublic(data=[ContentBlockPublic.model_validate(b) for b in rows], count=count)


@router.get("/content-blocks/{block_id}", response_model=ContentBlockPublic)
def read_content_block(session: SessionDep, actor: CurrentActor, block_id: UUID) -> ContentBlock:
    """One content block (403 while locked for a student)."""
    return content.get_content_block(session, actor, block_id)


@router.patch("/content-blocks/{block_id}", response_model=ContentBlockPublic)
def update_content_block(
    session: SessionDep, actor: CurrentActor, block_id: UUID, body: ContentBlockUpdate
) -> ContentBlock:
    """Change a content block."""
    return content.update_content_block(session, actor, block_id, body)


@router.delete("/content-blocks/{block_id}", status_code=NO_CONTENT)
def delete_content_block(session: SessionDep, actor: CurrentActor, block_id: UUID) -> Response:
    """Delete a content block."""
    content.delete_content_block(session, actor, block_id)
    return Response(status_code=NO_CONTENT)
