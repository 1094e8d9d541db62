"""Staff copilot and student tutor pages, and the streamed turns their script posts."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ConfigDict, Field

from agents import threads
from agents.llm import ChatModelFactory, chat_model_factory
from agents.models import AgentName, Decision
from domain.lms.models import ContentBlock
from domain.lms.service import assessments, content, courses
from domain.privacy.consent import ConsentCreate, Purpose, has_consent, record_consent
from tools.tutor import active_proctored_attempt
from web import agent_runs
from web.rendering import HtmlRoute, templates
from web.session import PostingVisitor, Visitor, VisitorDep, needs, needs_posting

router = APIRouter(prefix="/app", route_class=HtmlRoute, include_in_schema=False)
FactoryDep = Annotated[ChatModelFactory, Depends(chat_model_factory)]
Staff = Annotated[Visitor, Depends(needs("agents:copilot"))]
Learner = Annotated[Visitor, Depends(needs("agents:tutor"))]
PostingLearner = Annotated[Visitor, Depends(needs_posting("agents:tutor"))]


class MessageForm(BaseModel):
    """A chat message from the console."""

    model_config = ConfigDict(extra="forbid")
    content: str = Field(min_length=1, max_length=8000)


class ApprovalForm(BaseModel):
    """The human's answer to a paused tool call."""

    model_config = ConfigDict(extra="forbid")
    decision: Decision
    args: dict[str, Any] | None = None


async def _chat_page(
    request: Request,
    visitor: Visitor,
    agent: AgentName,
    thread_id: UUID | None,
    factory: ChatModelFactory,
    template: str,
    **extra: Any,
) -> Response:
    messages: list[dict[str, Any]] = []
    pending = None
    if thread_id is not None:
        await run_in_threadpool(threads.owned_thread, visitor.session, visitor.actor, agent, thread_id)
        messages, pending = await agent_runs.thread_state(agent, visitor.actor, thread_id, factory)
    listing = await run_in_threadpool(agent_runs.own_threads, visitor.session, visitor.actor, agent)
    context = visitor.page(
        agent=agent.value, thread_id=thread_id, messages=messages, pending=pending, threads=listing, **extra
    )
    return templates.TemplateResponse(request, template, context)


@router.get("/copilot")
async def copilot_home(request: Request, visitor: Staff, factory: FactoryDep) -> Response:
    """The copilot: threads list and a new conversation."""
    return await _chat_page(request, visitor, AgentName.copilot, None, factory, "copilot.html")


@router.get("/copilot/{thread_id}")
async def copilot_thread(request: Request, visitor: Staff, thread_id: UUID, factory: FactoryDep) -> Response:
    """Resume a copilot thread: its messages, tool cards and any pending approval."""
    return await _chat_page(request, visitor, AgentName.copilot, thread_id, factory, "copilot.html")


@router.get("/courses")
def course_list(request: Request, visitor: VisitorDep) -> Response:
    """Courses the visitor may see."""
    rows, _ = courses.search_courses(visitor.session, visitor.actor, limit=100)
    return templates.TemplateResponse(request, "courses.html", visitor.page(courses=rows))


@router.get("/courses/{course_id}")
def course_page(request: Request, visitor: VisitorDep, course_id: UUID) -> Response:
    """A course: its assessments and the way to its tutor."""
    course = courses.get_course(visitor.session, visitor.actor, course_id)
    exams, _ = assessments.list_assessments(visitor.session, visitor.actor, course_id=course_id)
    return templates.TemplateResponse(request, "course.html", visitor.page(course=course, exams=exams))


@router.get("/courses/{course_id}/tutor")
async def tutor_page(
    request: Request, visitor: Learner, course_id: UUID, factory: FactoryDep, thread: UUID | None = None
) -> Response:
    """The tutor inside a course; closed, with the reason, while a proctored exam is in progress."""
    course = await run_in_threadpool(courses.get_course, visitor.session, visitor.actor, course_id)
    attempt = await run_in_threadpool(active_proctored_attempt, visitor.session, visitor.actor)
    closed = None
    if attempt is not None:
        exam = await run_in_threadpool(
            assessments.get_assessment, visitor.session, visitor.actor, attempt.assessment_id
        )
        closed = exam.title
    accepted = await run_in_threadpool(
        has_consent, visitor.session, visitor.actor.tenant_id, visitor.actor.user_id, Purpose.ai_tutor
    )
    return await _chat_page(
        request, visitor, AgentName.tutor, thread, factory, "tutor.html", course=course, closed=closed,
        needs_policy=not accepted, policy_version=threads.AI_POLICY_VERSION,
    )


@router.post("/courses/{course_id}/tutor/policy")
def accept_ai_policy(visitor: PostingLearner, course_id: UUID) -> Response:
    """The student accepts the tenant's AI-use policy (stored as `ai_tutor` consent); back to the tutor."""
    courses.get_course(visitor.session, visitor.actor, course_id)
    record_consent(visitor.session, visitor.actor, ConsentCreate(
        purpose=Purpose.ai_tutor, granted=True, text_version=threads.AI_POLICY_VERSION), method="web")
    return RedirectResponse(f"/app/courses/{course_id}/tutor", status_code=303)


@router.get("/content/{block_id}")
def content_page(request: Request, visitor: VisitorDep, block_id: UUID) -> Response:
    """A cited content block (404 outside the visitor's courses, 403 while drip-locked)."""
    block: ContentBlock = content.get_content_block(visitor.session, visitor.actor, block_id)
    course = courses.get_course(visitor.session, visitor.actor, block.course_id)
    return templates.TemplateResponse(request, "content.html", visitor.page(block=block, course=course))


@router.post("/agents/{agent}/threads", status_code=201)
def new_thread(agent: AgentName, visitor: PostingVisitor) -> dict[str, str]:
    """Open a thread for the console's chat script."""
    thread = threads.create_thread(visitor.session, visitor.actor, agent)
    return {"thread_id": str(thread.id)}


@router.post("/agents/{agent}/threads/{thread_id}/messages")
async def post_message(
    agent: AgentName, thread_id: UUID, body: MessageForm, visitor: PostingVisitor, factory: FactoryDep
) -> Response:
    """Send a message; the answer streams as Server-Sent Events."""
    await run_in_threadpool(threads.postable_thread, visitor.session, visitor.actor, agent, thread_id)
    return await agent_runs.send_message(agent, visitor.actor, thread_id, factory, body.content)


@router.post("/agents/{agent}/threads/{thread_id}/approvals")
async def post_approval(
    agent: AgentName, thread_id: UUID, body: ApprovalForm, visitor: PostingVisitor, factory: FactoryDep
) -> Response:
    """Approve, edit or reject the paused tool call; the rest of the turn streams."""
    await run_in_threadpool(threads.postable_thread, visitor.session, visitor.actor, agent, thread_id)
    return await agent_runs.answer_approval(
        agent, visitor.actor, thread_id, factory, body.decision.value, body.args
    )
