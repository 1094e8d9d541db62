"""The `cognify up` sequence, printed for a person at a terminal."""

import time
from concurrent.futures import ThreadPoolExecutor

from rich.console import Console

from cognify import dbadmin
from cognify.errors import CognifyError
from cognify.logging import configure_logging
from cognify.settings import Settings
from cognify.supervisor import Platform, credentials_file

console = Console(stderr=True, highlight=False, soft_wrap=True)
DEMO_SLUG = "demo"
DEMO_OWNER = "owner@demo.example.com"


def bootstrap_first_tenant(settings: Settings) -> None:
    """On an empty database, create a `demo` tenant and owner, with credentials on disk."""
    import secrets

    from domain.identity.models import UserCreate
    from domain.tenancy.flows import count_tenants, provision_tenant
    from domain.tenancy.models import TenantCreate

    if count_tenants():
        return
    password = secrets.token_urlsafe(12)
    provision_tenant(TenantCreate(slug=DEMO_SLUG, name="Demo Academy"),
                     UserCreate(email=DEMO_OWNER, password=password, role="owner"))
    path = credentials_file(settings.data_dir.resolve())
    path.write_text(f"tenant: {DEMO_SLUG}\nemail: {DEMO_OWNER}\npassword: {password}\n")
    path.chmod(0o600)


def check_gateway_config(settings: Settings) -> None:
    """Fail before anything starts when the gateway config is invalid (its message names the field)."""
    from gateway.config import configured

    configured(settings.gateway_config)


def run(settings: Settings) -> int:
    """Start everything, wait for a signal, stop everything; the exit code."""
    configure_logging(settings.log_level, json=False)
    started = time.monotonic()
    platform = Platform(settings)
    platform.install_signal_handlers()
    data_dir = settings.data_dir.resolve()
    try:
        console.print(f"[bold]Cognify[/bold] data directory: {data_dir}")
        config_check = ThreadPoolExecutor(1).submit(check_gateway_config, settings)  # LiteLLM loads ~5 s
        database = "DATABASE_URL" if settings.database_url else "embedded PostgreSQL + pgvector"
        redis = "REDIS_URL" if settings.redis_url else "embedded Valkey"
        platform.start_services()
        console.print(f"  database: {database} | redis: {redis} | storage: {settings.media_dir}")
        dbadmin.upgrade()
        bootstrap_first_tenant(settings)
        config_check.result()
        platform.spawn_all()
        platform.wait_ready()
        base = f"http://{settings.host}:{settings.port}"
        console.print(f"[green]ready[/green] in {time.monotonic() - started:.1f}s: API {base} "
                      f"(docs {base}/docs)")
        creds = credentials_file(data_dir)
        if creds.exists():
            console.print(f"  log in: POST {base}/api/v1/auth/token with the tenant, email and "
                          f"password in {creds}")
        console.print("  Ctrl-C stops everything.")
        platform.watch()
        return 0
    except (RuntimeError, CognifyError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 1
    finally:
        console.print("stopping...")
        platform.stop()
        console.print("stopped.")
