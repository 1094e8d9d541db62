"""The acting user of a request, for every router."""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends

from cognify.api import ClaimsDep, SessionDep
from cognify.errors import Forbidden
from cognify.security import Actor
from domain.identity import service


def current_actor(session: SessionDep, claims: ClaimsDep) -> Actor:
    """The active user the token names, with effective permissions."""
    return service.load_actor(session, claims)


CurrentActor = Annotated[Actor, Depends(current_actor)]


def require(*permissions: str) -> Callable[[Actor], Actor]:
    """A dependency that refuses actors lacking any of the permissions with 403."""

    def check(actor: CurrentActor) -> Actor:
        missing = [p for p in permissions if not actor.can(p)]
        if missing:
            raise Forbidden(f"Missing permission '{missing[0]}'")
        return actor

    return check
