"""The Typer composition root: `cognify up`, database, tenant and user commands."""

import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console

from cognify import roles
from cognify.errors import CognifyError
from cognify.settings import get_settings
from domain.seed_cli import seed_command
from evals.cli import app as eval_app
from gateway.cli import keys_app
from proctoring.cli import app as proctor_app
from vector.cli import index_command

app = typer.Typer(help="Cognify AI platform.", no_args_is_help=True, pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database administration.", no_args_is_help=True)
tenant_app = typer.Typer(help="Tenants.", no_args_is_help=True)
user_app = typer.Typer(help="Users.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(tenant_app, name="tenant")
app.add_typer(user_app, name="user")
app.add_typer(keys_app, name="keys")
app.add_typer(proctor_app, name="proctor")
app.add_typer(eval_app, name="eval")
app.command("seed")(seed_command)
app.command("index")(index_command)

console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = 1) -> None:
    """Print a one-line error and exit."""
    console.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def one_line_errors(func: F) -> F:
    """Turn expected failures into one-line errors instead of tracebacks."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "input"
            fail(f"{field}: {first['msg']}")
        except CognifyError as exc:
            fail(exc.message)
        except ValueError as exc:
            fail(str(exc))

    return wrapper  # type: ignore[return-value]


def ensure_database() -> None:
    """Use DATABASE_URL, or attach to (or start) the embedded server in the data directory."""
    settings = get_settings()
    if settings.database_url:
        return
    from cognify.embedded import EmbeddedPostgres

    url = EmbeddedPostgres(settings.data_dir / "postgres").start()
    os.environ["DATABASE_URL"] = url
    settings.database_url = url


def emit(payload: dict[str, Any]) -> None:
    """Print one JSON object on stdout."""
    sys.stdout.write(json.dumps(payload, default=str) + "\n")


@db_app.command("upgrade")
@one_line_errors
def db_upgrade() -> None:
    """Apply all migrations."""
    from cognify import dbadmin

    ensure_database()
    done = dbadmin.upgrade()
    console.print(f"database is up to date ({', '.join(done)})")


@tenant_app.command("create")
@one_line_errors
def tenant_create(
    slug: Annotated[str, typer.Option(help="URL-safe identifier, e.g. acme-academy")],
    name: Annotated[str, typer.Option(help="Display name")],
    owner_email: Annotated[str, typer.Option(help="The first owner's email")],
    owner_password: Annotated[str, typer.Option(help="The first owner's password (8+ chars)")],
    region: Annotated[str | None, typer.Option(help="Data/AI region, e.g. eu")] = None,
    plan: Annotated[str, typer.Option(help="Plan name")] = "free",
) -> None:
    """Create a tenant and its owner; prints their ids as JSON."""
    from domain.identity.models import UserCreate
    from domain.tenancy.flows import provision_tenant
    from domain.tenancy.models import TenantCreate

    data = TenantCreate(slug=slug, name=name, region=region, plan=plan)
    owner = UserCreate(email=owner_email, password=owner_password, role="owner")
    ensure_database()
    tenant, user = provision_tenant(data, owner)
    emit({"tenant_id": tenant.id, "slug": tenant.slug, "owner_id": user.id})


@user_app.command("create")
@one_line_errors
def user_create(
    tenant: Annotated[str, typer.Option(help="Tenant slug")],
    email: Annotated[str, typer.Option(help="Email (the login name)")],
    password: Annotated[str, typer.Option(help="Password (8+ chars)")],
    role: Annotated[str, typer.Option(help="student, parent, teacher, admin or owner")],
    full_name: Annotated[str, typer.Option(help="Full name")] = "",
) -> None:
    """Create a user in a tenant; prints its id as JSON."""
    from cognify.db import TenantSession, tenant_engine
    from domain.identity import service
    from domain.identity.models import UserCreate
    from domain.tenancy.flows import resolve_tenant

    data = UserCreate(email=email, password=password, role=role, full_name=full_name)
    ensure_database()
    tenant_id = resolve_tenant(tenant)
    if tenant_id is None:
        fail(f"no active tenant with slug '{tenant}'")
    with TenantSession(tenant_engine(tenant_id, owner=True), tenant_id) as session, session.begin():
        user = service.create_user(session, None, data)
    emit({"user_id": user.id, "tenant_id": tenant_id, "email": user.email, "role": user.role})


@app.command()
def up(
    data_dir: Annotated[Path | None, typer.Option(help="Data directory (COGNIFY_DATA_DIR)")] = None,
    port: Annotated[int | None, typer.Option(help="API port")] = None,
    workers: Annotated[int | None, typer.Option(min=1, max=64, help="API processes")] = None,
) -> None:
    """Run the platform: embedded services, migrations, API, worker and beat. Ctrl-C stops it."""
    from cognify.up import run

    for name, value in (("COGNIFY_DATA_DIR", data_dir), ("COGNIFY_PORT", port), ("COGNIFY_WORKERS", workers)):
        if value:
            os.environ[name] = str(value)
    get_settings.cache_clear()
    raise typer.Exit(run(get_settings()))


@app.command()
@one_line_errors
def api(
    host: Annotated[str | None, typer.Option(help="Address to bind (COGNIFY_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (COGNIFY_PORT)")] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="API processes sharing the port")] = 1,
) -> None:
    """The API role, against DATABASE_URL and REDIS_URL; an invalid gateway config stops it first."""
    from cognify.up import check_gateway_config

    settings = get_settings()
    roles.require(settings, "DATABASE_URL", "REDIS_URL")
    check_gateway_config(settings)
    roles.exec_module(roles.api_args(host or settings.host, port or settings.port, workers,
                                     settings.shutdown_grace_seconds))


@app.command()
@one_line_errors
def worker(
    concurrency: Annotated[int, typer.Option(min=1, max=256, help="Tasks run at once")] = 2,
) -> None:
    """A Celery worker role (scale it out freely)."""
    roles.require(get_settings(), "DATABASE_URL", "REDIS_URL")
    roles.exec_module(roles.worker_args(concurrency))


@app.command()
@one_line_errors
def beat(
    schedule: Annotated[Path | None, typer.Option(help="Beat's state file")] = None,
) -> None:
    """Celery beat, the periodic scheduler: run exactly one per deployment."""
    settings = get_settings()
    roles.require(settings, "DATABASE_URL", "REDIS_URL")
    roles.exec_module(roles.beat_args(schedule or settings.data_dir.resolve() / "celerybeat-schedule"))


@app.command()
@one_line_errors
def migrate() -> None:
    """Apply every migration to DATABASE_URL and each region's database (once per release, before the new
    API starts)."""
    from cognify import dbadmin

    roles.require(get_settings(), "DATABASE_URL")
    done = dbadmin.upgrade()
    console.print(f"database is up to date ({', '.join(done)})")


if __name__ == "__main__":
    app()
