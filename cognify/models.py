"""Column helpers shared by every table, and the base of PATCH bodies."""

from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import UUID, uuid4

from pydantic import ConfigDict, GetJsonSchemaHandler, ValidationInfo, field_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema
from sqlalchemy import Column, DateTime, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Now, timezone-aware."""
    return datetime.now(UTC)


def id_field() -> Any:
    """A random UUID primary key."""
    return Field(default_factory=uuid4, primary_key=True)


def tenant_field() -> Any:
    """The owning tenant; defaults in the database to the transaction's tenant."""
    return Field(
        foreign_key="tenants.id", index=True, ondelete="CASCADE",
        sa_column_kwargs={"server_default": text("cognify_current_tenant()")},
    )


def timestamp_field(**kw: Any) -> Any:
    """A timezone-aware timestamp, now by default."""
    return Field(default_factory=utcnow, sa_type=DateTime(timezone=True), **kw)


def json_field(default: Any = dict) -> Any:
    """A JSONB column."""
    return Field(default_factory=default, sa_column=Column(JSONB, nullable=False))


class TenantScoped(SQLModel):
    """Base for tables every row of which belongs to one tenant."""

    id: UUID = id_field()
    tenant_id: UUID = tenant_field()
    created_at: datetime = timestamp_field()


class Patch(SQLModel):
    """A PATCH body: every field may be omitted (left unchanged); only those in `nullable` may be null.

    Without this, `{"role": null}` reached the database as NULL (an integrity error) or a service as
    None (`{"password": null}` was a 500). The OpenAPI schema says the same: non-nullable fields are
    documented without `null`.
    """

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*")
    @classmethod
    def _not_null_unless_nullable(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise ValueError("may not be null (omit the field to leave it unchanged)")
        return value

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        resolved = handler.resolve_ref_schema(schema)
        for name, prop in resolved.get("properties", {}).items():
            if name in cls.nullable or "anyOf" not in prop:
                continue
            kept = [option for option in prop.pop("anyOf") if option != {"type": "null"}]
            if prop.get("default", ...) is None:
                del prop["default"]
            prop.update(kept[0] if len(kept) == 1 else {"anyOf": kept})
        return schema
