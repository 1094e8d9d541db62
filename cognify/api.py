"""HTTP plumbing shared by every router: bearer claims, the tenant-scoped session, paging."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Query
from fastapi.security import OAuth2PasswordBearer

from cognify.db import TenantSession, tenant_session
from cognify.errors import Unauthorized
from cognify.logging import bind_contextvars
from cognify.security import TokenClaims, decode_access_token

# The password flow, so `/docs` can sign in: its form's `client_id` carries the tenant's slug.
bearer = OAuth2PasswordBearer(
    tokenUrl="/api/v1/auth/token", auto_error=False,
    description="A user access token. In `/docs`, sign in with your email, password and, as "
                "`client_id`, your tenant's slug.",
)


async def token_claims(token: Annotated[str | None, Depends(bearer)]) -> TokenClaims:
    """Verified claims of the bearer token."""
    if not token:
        raise Unauthorized("Missing bearer token", code="missing_token")
    claims = decode_access_token(token)
    bind_contextvars(tenant_id=str(claims.tenant_id), user_id=str(claims.user_id))
    return claims


ClaimsDep = Annotated[TokenClaims, Depends(token_claims)]


def db_session(claims: ClaimsDep) -> Iterator[TenantSession]:
    """A transaction scoped to the token's tenant and user, committed when the endpoint returns."""
    with tenant_session(claims.tenant_id, claims.user_id) as session:
        yield session


SessionDep = Annotated[TenantSession, Depends(db_session, scope="function")]


MAX_OFFSET = 1_000_000_000  # far past any real list; keeps the value inside PostgreSQL's bigint


class Page:
    """`limit`/`offset` query parameters."""

    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    ) -> None:
        self.limit = limit
        self.offset = offset


PageDep = Annotated[Page, Depends()]


SortParam = Annotated[
    str | None,
    Query(max_length=64, pattern=r"^-?[a-z_]+$", description="Field to sort by; prefix - for descending"),
]
