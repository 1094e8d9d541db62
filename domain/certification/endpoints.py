"""Certification routes: the public verification check and the certificate PDF."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Response

from cognify.api import SessionDep
from cognify.db import tenant_session
from cognify.errors import NotFound
from cognify.regions import databases
from domain.certification import service
from domain.certification.models import CertificateCheck
from domain.identity.deps import CurrentActor

router = APIRouter(prefix="/api/v1/certificates", tags=["certification"])


@router.get("/verify/{code}", response_model=CertificateCheck, tags=["public"])
def verify(code: Annotated[str, Path(min_length=8, max_length=64)]) -> CertificateCheck:
    """Public, no sign-in: the holder's name, the course, the date and whether it is valid.

    Codes do not say their region: each region's database is asked in turn."""
    *others, last = databases()
    for region in others:
        with tenant_session(None, region=region) as session:
            try:
                return service.check_code(session, code)
            except NotFound:
                continue
    with tenant_session(None, region=last) as session:
        return service.check_code(session, code)


@router.get("/{certificate_id}/pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
def download_pdf(session: SessionDep, actor: CurrentActor, certificate_id: UUID) -> Response:
    """The issued certificate as a PDF, for its holder and the staff who may see it."""
    data = service.certificate_pdf(session, actor, certificate_id)
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="certificate-{certificate_id}.pdf"',
        "Cache-Control": "private, no-store",
    })
