"""Small helpers the LMS services share."""

from typing import Any

from sqlmodel import SQLModel


def changes_of(data: SQLModel) -> dict[str, Any]:
    """The fields a PATCH sent, as JSON-ready values (its `Patch` model has refused misplaced nulls)."""
    changes: dict[str, Any] = data.model_dump(exclude_unset=True, mode="json")
    return changes
