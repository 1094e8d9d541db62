"""Query helpers every domain service shares: filters, sorting, paging, lookups, updates."""

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import func
from sqlmodel import Session, SQLModel, select
from sqlmodel.sql.expression import SelectOfScalar

from cognify.errors import NotFound, ValidationFailed
from cognify.models import utcnow

T = TypeVar("T", bound=SQLModel)


def where_equal(query: SelectOfScalar[T], model: type[T], filters: Mapping[str, Any]) -> SelectOfScalar[T]:
    """Add `column = value` for every filter whose value is not None."""
    for name, value in filters.items():
        if value is not None:
            query = query.where(getattr(model, name) == value)
    return query


def order_by(
    query: SelectOfScalar[T], model: type[T], sort: str | None, allowed: Iterable[str],
    default: str = "-created_at",
) -> SelectOfScalar[T]:
    """Sort by `field` or `-field` (descending); an unknown field is a 422 naming it."""
    spec = sort or default
    name = spec.lstrip("-")
    if name not in set(allowed):
        raise ValidationFailed(
            f"sort: cannot sort by '{name}'", details={"field": "sort", "allowed": sorted(allowed)}
        )
    column = getattr(model, name)
    primary = column.desc() if spec.startswith("-") else column.asc()
    return query.order_by(primary, model.id)  # type: ignore[attr-defined]


def page(session: Session, query: SelectOfScalar[T], limit: int, offset: int) -> tuple[list[T], int]:
    """One page of rows and the total count of the query."""
    count = session.exec(select(func.count()).select_from(query.order_by(None).subquery())).one()
    rows = session.exec(query.limit(limit).offset(offset)).all()
    return list(rows), int(count)


def get_or_404(session: Session, model: type[T], row_id: UUID, label: str | None = None) -> T:
    """A row by id; 404 when absent or hidden by row-level security."""
    row = session.get(model, row_id)
    if row is None:
        raise NotFound(f"{label or model.__name__} not found")
    return row


def apply_update(session: Session, row: T, changes: SQLModel | Mapping[str, Any]) -> T:
    """Set the fields the caller sent (not the defaults), bump `updated_at`, flush."""
    data = changes.model_dump(exclude_unset=True) if isinstance(changes, SQLModel) else changes
    for name, value in data.items():
        setattr(row, name, value)
    if hasattr(row, "updated_at"):
        row.updated_at = utcnow()  # type: ignore[attr-defined]
    session.add(row)
    session.flush()
    return row
