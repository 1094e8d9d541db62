"""Small helpers the LMS services share."""

from collections.abc import Iterable
from typing import Any

from cognify.errors import ValidationFailed


def changes_of(data: Any, required: Iterable[str]) -> dict[str, Any]:
    """The fields a PATCH sent, as JSON-ready values; 422 naming a required field sent as null."""
    changes: dict[str, Any] = data.model_dump(exclude_unset=True, mode="json")
    for name in required:
        if name in changes and changes[name] is None:
            raise ValidationFailed(f"{name}: may not be null", details={"field": name})
    return changes
