"""Workflow rules CRUD, dry runs and run logs; the admin's dead letters."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response

from cognify.api import PageDep, SessionDep, SortParam
from cognify.security import Actor
from domain.identity.deps import require
from domain.workflows import deadletters, engine, service
from domain.workflows.models import (
    DryRun,
    WorkflowCreate,
    WorkflowPublic,
    WorkflowRunsPublic,
    WorkflowsPublic,
    WorkflowUpdate,
)

router = APIRouter(prefix="/api/v1", tags=["workflows"])
Manager = Annotated[Actor, Depends(require("workflows:manage"))]


@router.get("/workflows", response_model=WorkflowsPublic)
def list_workflows(session: SessionDep, _: Manager, paging: PageDep, sort: SortParam = None) -> Any:
    """The tenant's rules, shipped defaults included."""
    rows, count = service.list_workflows(session, sort=sort, limit=paging.limit, offset=paging.offset)
    return WorkflowsPublic(data=rows, count=count)  # type: ignore[arg-type]


@router.post("/workflows", response_model=WorkflowPublic, status_code=201)
def create_workflow(session: SessionDep, actor: Manager, body: WorkflowCreate) -> Any:
    """A new rule; unknown fields, events or actions are refused with the reason."""
    return service.create_workflow(session, actor, body)


@router.get("/workflows/{workflow_id}", response_model=WorkflowPublic)
def get_workflow(session: SessionDep, _: Manager, workflow_id: UUID) -> Any:
    """One rule."""
    return service.get_workflow(session, workflow_id)


@router.patch("/workflows/{workflow_id}", response_model=WorkflowPublic)
def update_workflow(session: SessionDep, _: Manager, workflow_id: UUID, body: WorkflowUpdate) -> Any:
    """Change a rule (validated as a whole)."""
    return service.update_workflow(session, workflow_id, body)


@router.delete("/workflows/{workflow_id}", status_code=204)
def delete_workflow(session: SessionDep, _: Manager, workflow_id: UUID) -> Response:
    """Remove a rule (shipped defaults can only be disabled)."""
    service.delete_workflow(session, workflow_id)
    return Response(status_code=204)


@router.post("/workflows/{workflow_id}/dry-run", response_model=DryRun)
def dry_run(session: SessionDep, _: Manager, workflow_id: UUID) -> DryRun:
    """Which subjects the rule selects now and whether it would fire for them; writes nothing."""
    evaluated, matches = engine.dry_run(session, service.get_workflow(session, workflow_id))
    return DryRun(evaluated=evaluated, matches=matches)


@router.get("/workflows/{workflow_id}/runs", response_model=WorkflowRunsPublic)
def list_runs(session: SessionDep, _: Manager, workflow_id: UUID, paging: PageDep,
              sort: SortParam = None) -> Any:
    """A rule's run log, newest first."""
    rows, count = service.list_runs(session, workflow_id, sort=sort, limit=paging.limit, offset=paging.offset)
    return WorkflowRunsPublic(data=rows, count=count)  # type: ignore[arg-type]


@router.get("/admin/dead-letters", response_model=deadletters.DeadLettersPublic, tags=["admin"])
def list_dead_letters(session: SessionDep, _: Manager, paging: PageDep,
                      resolved: Annotated[bool | None, Query()] = None) -> Any:
    """Events whose handler failed its last try."""
    rows, count = deadletters.list_dead_letters(session, resolved=resolved, limit=paging.limit,
                                                offset=paging.offset)
    return deadletters.DeadLettersPublic(data=rows, count=count)  # type: ignore[arg-type]


@router.post("/admin/dead-letters/{dead_letter_id}/retry", response_model=deadletters.DeadLetterPublic,
             status_code=202, tags=["admin"])
def retry_dead_letter(session: SessionDep, _: Manager, dead_letter_id: UUID) -> Any:
    """Run the failed handler again in the background; the letter resolves when it succeeds."""
    return deadletters.request_retry(session, dead_letter_id)
