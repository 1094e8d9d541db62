"""`cognify keys`: virtual keys from the command line (the secret is printed once)."""

from decimal import Decimal
from typing import Annotated

import typer

keys_app = typer.Typer(help="Gateway virtual keys.", no_args_is_help=True)


@keys_app.command("create")
def create(
    tenant: Annotated[str, typer.Option(help="Tenant slug")],
    name: Annotated[str, typer.Option(help="A label for the key")] = "",
    budget_usd: Annotated[Decimal | None, typer.Option(help="Lifetime budget in USD")] = None,
    rpm: Annotated[int | None, typer.Option(help="Requests per minute")] = None,
    tpm: Annotated[int | None, typer.Option(help="Tokens per minute")] = None,
) -> None:
    """Create a key; prints it once as JSON (only its hash is stored)."""
    from cognify.cli import emit, ensure_database, fail, one_line_errors
    from cognify.db import TenantSession, tenant_engine
    from domain.tenancy.flows import resolve_tenant
    from gateway.keys import create_key
    from gateway.models import VirtualKeyCreate

    @one_line_errors
    def run() -> None:
        data = VirtualKeyCreate(name=name, budget_usd=budget_usd, rpm=rpm, tpm=tpm)
        ensure_database()
        tenant_id = resolve_tenant(tenant)
        if tenant_id is None:
            fail(f"no active tenant with slug '{tenant}'")
        with TenantSession(tenant_engine(tenant_id, owner=True), tenant_id) as session, session.begin():
            key, secret = create_key(session, None, data)
        emit({"id": key.id, "tenant_id": tenant_id, "name": key.name, "key": secret})

    run()
