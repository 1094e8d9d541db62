"""`cognify seed --demo`: fill a tenant with demo data."""

from typing import Annotated

import typer


def seed_command(
    demo: Annotated[bool, typer.Option("--demo", help="Load the demo data set")] = False,
    tenant: Annotated[str, typer.Option(help="Tenant slug")] = "demo",
) -> None:
    """Seed a tenant (default `demo`, created by `cognify up`) and index its courses for the tutor;
    prints a JSON summary."""
    from cognify.cli import emit, ensure_database, fail
    from domain.seed import seed_demo
    from domain.tenancy.flows import resolve_tenant
    from vector.cli import index_sources, sources

    if not demo:
        fail("nothing to seed: pass --demo")
    ensure_database()
    tenant_id = resolve_tenant(tenant)
    if tenant_id is None:
        fail(f"no active tenant with slug '{tenant}'")
    else:
        summary = seed_demo(tenant_id)
        summary["chunks_embedded"] = index_sources(tenant_id, sources(tenant_id, None), "indexing courses")
        emit(summary)
