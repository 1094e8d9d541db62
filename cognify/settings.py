"""Settings: one pydantic-settings class, env prefix COGNIFY_ plus DATABASE_URL and REDIS_URL."""

import re
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REGION_NAME = re.compile(r"^[a-z]{2}(?:-[a-z0-9-]+)?$")


class RegionConfig(BaseModel):
    """Where one region's tenants keep their data: a database and an object store of its own."""

    model_config = ConfigDict(extra="forbid")
    database_url: str  # the owner role's URL; the app role connects with its own credentials
    app_database_url: str | None = None
    storage_dir: Path | None = None
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str | None = None

    @model_validator(mode="after")
    def _has_storage(self) -> "RegionConfig":
        if (self.storage_dir is None) == (self.s3_bucket is None):
            raise ValueError("give the region either storage_dir or s3_bucket (its files stay in it)")
        return self


PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "changethis", "secret", "dev", "development"}


class Settings(BaseSettings):
    """Everything the platform reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="COGNIFY_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path(".cognify")
    secret_key: str = ""
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "COGNIFY_DATABASE_URL")
    )
    app_database_url: str | None = None
    # DATABASE_URL reaches PostgreSQL through a transaction-pooling PgBouncer: no server-side prepared
    # statements; migrations then connect to DATABASE_DIRECT_URL (PostgreSQL itself) when it is set.
    database_pooled: bool = False
    database_direct_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_DIRECT_URL", "COGNIFY_DATABASE_DIRECT_URL")
    )
    app_db_role: str = "cognify_app"
    app_db_password: str = ""
    celery_broker_url: str | None = Field(  # amqp://... for RabbitMQ; Redis (REDIS_URL) otherwise
        default=None, validation_alias=AliasChoices("CELERY_BROKER_URL", "COGNIFY_CELERY_BROKER_URL")
    )
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("REDIS_URL", "COGNIFY_REDIS_URL")
    )
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = None  # the address users reach the API at (links in emails); default host:port
    workers: int = Field(default=1, ge=1, le=64)  # API processes `cognify up` runs
    model_port: int = 8765
    access_token_minutes: int = 60
    log_level: str = "INFO"
    log_json: bool = True
    storage_dir: Path | None = None
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    gateway_config: Path | None = None
    # Residency: region -> its database and storage (JSON). Tenants of a listed region keep every row and
    # file there; DATABASE_URL keeps the tenant directory and the tenants of no listed region.
    regions: dict[str, RegionConfig] = Field(default_factory=dict)
    # Seconds an API process lets running requests (SSE streams) finish after SIGTERM before it cuts them.
    shutdown_grace_seconds: int = Field(default=25, ge=1, le=3600)
    privacy_export_days: int = Field(default=7, ge=1, le=90)  # how long an export archive can be downloaded
    # Seconds a ledger entry may stay unacknowledged by a mover before another process takes it over.
    ledger_claim_idle_seconds: float = Field(default=30.0, gt=0)
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "Cognify <no-reply@cognify.local>"
    smtp_starttls: bool = False
    smtp_tls: bool = False
    sms_backend: Literal["outbox"] = "outbox"
    whatsapp_backend: Literal["outbox"] = "outbox"
    outbox_max_attempts: int = Field(default=5, ge=1, le=50)
    outbox_backoff_s: float = Field(default=2.0, gt=0)
    outbox_batch: int = Field(default=100, ge=1, le=1000)
    webhook_tolerance_s: int = Field(default=300, ge=10)
    # Failed sign-ins (API token, console) and bad webhook signatures, per sliding window.
    login_failures_per_account: int = Field(default=5, ge=1)
    login_failures_per_address: int = Field(default=50, ge=1)
    webhook_failures_per_address: int = Field(default=30, ge=1)
    throttle_window_s: int = Field(default=900, ge=1)

    @field_validator("regions")
    @classmethod
    def _region_names(cls, value: dict[str, RegionConfig]) -> dict[str, RegionConfig]:
        for name in value:
            if not REGION_NAME.match(name):
                raise ValueError(f"COGNIFY_REGIONS: '{name}' is not a region name such as eu or us-east")
        return value

    @model_validator(mode="after")
    def _secret_key(self) -> "Settings":
        """Refuse a missing or placeholder secret outside development; make one for local use."""
        if self.secret_key.strip().lower() not in PLACEHOLDER_SECRETS:
            if len(self.secret_key) < 32:
                raise ValueError("COGNIFY_SECRET_KEY must be at least 32 characters")
            return self
        if self.env != "development":
            raise ValueError(
                f"COGNIFY_SECRET_KEY is missing or a placeholder; set a real secret ({self.env})"
            )
        self.secret_key = _local_secret(self.data_dir)
        return self

    @property
    def media_dir(self) -> Path:
        """Where local object storage keeps its files."""
        return self.storage_dir or self.data_dir / "storage"


def _local_secret(data_dir: Path) -> str:
    """Read, or create once, the secret key kept in the data directory for local use."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()


def public_url(settings: Settings | None = None) -> str:
    """The base URL links in emails point to: COGNIFY_PUBLIC_URL, else the API's own host and port."""
    settings = settings or get_settings()
    return (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")
