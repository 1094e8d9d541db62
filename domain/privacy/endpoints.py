"""Privacy endpoints: the data map, data-subject requests and their signed export downloads."""

import html
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from cognify.api import SessionDep
from cognify.db import tenant_session
from cognify.errors import NotFound
from cognify.storage import get_store
from domain.crm.models import Lead
from domain.identity.deps import Actor, CurrentActor, require
from domain.privacy import consent, links, service
from domain.privacy.access_log import RecordAccessPublic, read_log
from domain.privacy.consent import Consent, ConsentCreate, ConsentPublic, ConsentState, record_lead_consent
from domain.privacy.datamap import DATA_MAP, STORES, Category, Column, Erasure
from domain.privacy.models import PrivacyRequest, RequestCreate, RequestPublic

router = APIRouter(prefix="/api/v1/privacy", tags=["privacy"])
Admin = Annotated[Actor, Depends(require("privacy:manage"))]


class TablePublic(BaseModel):
    """One table of the data map."""

    table: str
    category: Category
    erasure: Erasure
    subject: str | None
    retention_days: int | None
    tenant_scoped: bool
    personal_columns: list[str]
    columns: dict[str, Column]
    pseudonymised_on_hold: list[str]  # overwritten on the rows erasure keeps
    note: str


class StorePublic(BaseModel):
    """Data kept outside PostgreSQL."""

    store: str
    holds: str
    erasure: str


class DataMapPublic(BaseModel):
    """Every table and store that holds tenant data, classified."""

    tables: list[TablePublic]
    stores: list[StorePublic]


@router.get("/data-map", response_model=DataMapPublic)
def data_map(_: Admin) -> DataMapPublic:
    """What personal data the platform holds, whose it is, how long it is kept, and what erasure does."""
    tables = [
        TablePublic(table=e.table, category=e.category, erasure=e.erasure, subject=e.subject,
                    retention_days=e.retention_days, tenant_scoped=e.tenant_scoped,
                    personal_columns=e.personal_columns, columns=dict(e.columns),
                    pseudonymised_on_hold=list(e.pseudonymise), note=e.note)
        for e in DATA_MAP.values()
    ]
    return DataMapPublic(tables=tables, stores=[StorePublic(**store) for store in STORES])


@router.post("/requests", response_model=RequestPublic, status_code=status.HTTP_202_ACCEPTED,
             responses={200: {"description": "The subject was erased before: that erasure, nothing changed"}})
def create_request(session: SessionDep, actor: CurrentActor, body: RequestCreate,
                   response: Response) -> RequestPublic:
    """Ask for a subject's export or erasure: an admin for anyone, a user for themselves, a parent for their
    child. Erasing a subject erased before answers 200 with that erasure and changes nothing."""
    request, created = service.create_request(session, actor, body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return service.to_public(session, request)


@router.get("/requests", response_model=list[RequestPublic])
def list_requests(session: SessionDep, actor: CurrentActor,
                  subject_user_id: UUID | None = None) -> list[RequestPublic]:
    """Requests the caller may see, newest first (admins: all of the tenant's)."""
    return [service.to_public(session, row) for row in service.list_requests(session, actor, subject_user_id)]


@router.get("/requests/{request_id}", response_model=RequestPublic)
def get_request(session: SessionDep, actor: CurrentActor, request_id: UUID) -> RequestPublic:
    """A request's state, progress, audit trail and, once done, its signed download link."""
    return service.to_public(session, service.get_request(session, actor, request_id))


@router.post("/requests/{request_id}/cancel", response_model=RequestPublic)
def cancel_request(session: SessionDep, actor: CurrentActor, request_id: UUID) -> RequestPublic:
    """Cancel a request that has not started yet."""
    return service.to_public(session, service.cancel_request(session, actor, request_id))


@router.post("/consents", response_model=ConsentPublic, status_code=status.HTTP_201_CREATED)
def record_consent(session: SessionDep, actor: CurrentActor, body: ConsentCreate) -> Consent:
    """Agree to or withdraw from a purpose (withdrawal is a new record): yourself, or as a guardian."""
    return consent.record_consent(session, actor, body)


@router.get("/consents", response_model=ConsentState)
def consent_state(session: SessionDep, actor: CurrentActor, user_id: UUID | None = None) -> ConsentState:
    """A user's current consents per purpose and their history (yourself, your child; admins: anyone)."""
    return consent.consent_state(session, actor, user_id or actor.user_id)


@router.get("/access-log", response_model=list[RecordAccessPublic])
def access_log(session: SessionDep, actor: CurrentActor, student_id: UUID | None = None,
               limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[RecordAccessPublic]:
    """Who read a student's records (FERPA), newest first: admins for anyone, a student for themselves,
    a parent for their child."""
    return read_log(session, actor, student_id or actor.user_id, limit)


Signature = Annotated[str, Query(max_length=128)]


@router.post("/unsubscribe")
def unsubscribe(tenant: Annotated[UUID, Query()], lead: Annotated[UUID, Query()],
                signature: Signature) -> dict[str, bool]:
    """One-click unsubscribe (RFC 8058) from a campaign email's signed link: records the withdrawal."""
    links.verify_unsubscribe(tenant, lead, signature)
    with tenant_session(tenant) as session:
        if session.get(Lead, lead) is not None:
            record_lead_consent(session, tenant, lead, False, method="email_link", text_version="unsubscribe")
    return {"unsubscribed": True}


@router.get("/unsubscribe", response_class=HTMLResponse)
def unsubscribe_page(request: Request, tenant: Annotated[UUID, Query()], lead: Annotated[UUID, Query()],
                     signature: Signature) -> HTMLResponse:
    """The link opened in a browser: a button that unsubscribes (a GET alone changes nothing)."""
    links.verify_unsubscribe(tenant, lead, signature)
    action = html.escape(f"{request.url.path}?{request.url.query}", quote=True)
    return HTMLResponse(
        "<!doctype html><html lang=en><meta charset=utf-8><title>Unsubscribe</title>"
        "<h1>Stop marketing emails?</h1>"
        f'<form method=post action="{action}"><button type=submit>Unsubscribe</button></form></html>')


@router.get("/exports/{request_id}", response_class=Response,
            responses={200: {"content": {"application/zip": {}}, "description": "The export archive"}})
def download_export(request_id: UUID, tenant: Annotated[UUID, Query()],
                    expires: Annotated[int, Query(ge=0, le=2**42)],
                    signature: Annotated[str, Query(max_length=128)]) -> Response:
    """The export archive behind a signed link (no sign-in: the link is the credential, until it expires)."""
    links.verify(tenant, request_id, expires, signature)
    with tenant_session(tenant) as session:
        row = session.get(PrivacyRequest, request_id)
        key = row.archive_key if row is not None else None
    if key is None:
        raise NotFound("The export archive no longer exists")
    return Response(get_store().get(key), media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="cognify-export-{request_id}.zip"',
                             "Cache-Control": "no-store"})
