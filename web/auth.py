"""Login, logout and the home page."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from cognify.errors import NotFound, Unauthorized
from cognify.throttle import Throttled, client_address
from domain.identity import service, signin
from web.rendering import HtmlRoute, templates, theme_vars
from web.session import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    PostingVisitor,
    VisitorDep,
    check_login_csrf,
    new_login_csrf,
    set_cookie,
)

router = APIRouter(prefix="/app", route_class=HtmlRoute, include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only same-site console paths; anything else goes home (no open redirects)."""
    if target and target.startswith("/app/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/app/"


def _login_page(
    request: Request,
    next_path: str,
    error: str | None = None,
    status: int = 200,
    tenant: str = "",
    email: str = "",
) -> Response:
    token = new_login_csrf()
    context = {
        "csrf": token,
        "next": next_path,
        "error": error,
        "theme": theme_vars({}),
        "tenant": tenant,
        "email": email,
    }
    response = templates.TemplateResponse(request, "login.html", context, status_code=status)
    set_cookie(response, LOGIN_CSRF_COOKIE, token, 3600)
    return response


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    """The sign-in form: tenant, email, password."""
    return _login_page(request, _safe_next(next))


@router.post("/login", dependencies=[Depends(check_login_csrf)])
def login(
    request: Request,
    tenant: Annotated[str, Form(max_length=63)],
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form(max_length=500)] = "/app/",
) -> Response:
    """Check the credentials with the API's own authentication and start a cookie session."""
    try:
        token = signin.sign_in(tenant, email, password, client_address(request))
    except Throttled as exc:
        minutes = max(1, -(-exc.retry_after // 60))
        page = _login_page(request, _safe_next(next), f"Too many failed sign-ins. Try again in {minutes} "
                           f"minute{'s' if minutes > 1 else ''}.", 429, tenant, email)
        page.headers.update(exc.headers)
        return page
    except (Unauthorized, NotFound):
        return _login_page(request, _safe_next(next), service.BAD_LOGIN, 401, tenant, email)
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_cookie(response, SESSION_COOKIE, token.access_token, token.expires_in)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/app")
    return response


@router.post("/logout")
def logout(_: PostingVisitor) -> Response:
    """End the session."""
    response = RedirectResponse("/app/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/app", secure=True, httponly=True, samesite="lax")
    return response


@router.get("/")
def home(request: Request, visitor: VisitorDep) -> Response:
    """Where each role starts: the pages their permissions open."""
    return templates.TemplateResponse(request, "home.html", visitor.page())
