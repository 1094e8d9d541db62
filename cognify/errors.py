"""Errors: one base class rendered by one handler as {"error": {"code", "message", "details"?}}."""

from typing import Any


class CognifyError(Exception):
    """A failure the caller should see, with its HTTP status and a stable code."""

    status_code = 400
    code = "bad_request"

    def __init__(
        self, message: str, *, code: str | None = None, details: Any = None,
        status_code: int | None = None, headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers = headers or {}
        if code:
            self.code = code
        if status_code:
            self.status_code = status_code

    def body(self) -> dict[str, Any]:
        """The JSON body for this error."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            error["details"] = self.details
        return {"error": error}


class BadRequest(CognifyError):
    """The request cannot be carried out as asked."""


class ValidationFailed(CognifyError):
    """Input failed a rule (422)."""

    status_code = 422
    code = "validation_error"


class Unauthorized(CognifyError):
    """Missing or invalid credentials."""

    status_code = 401
    code = "unauthorized"


class Forbidden(CognifyError):
    """Authenticated but not allowed."""

    status_code = 403
    code = "forbidden"


class NotFound(CognifyError):
    """No such object, or one the caller may not know exists."""

    status_code = 404
    code = "not_found"


class Conflict(CognifyError):
    """The change conflicts with current state (duplicate, stale)."""

    status_code = 409
    code = "conflict"


class Gone(CognifyError):
    """The object existed but is no longer available (an expired link)."""

    status_code = 410
    code = "gone"


class RateLimited(CognifyError):
    """Too many requests."""

    status_code = 429
    code = "rate_limited"


class ConfigurationError(CognifyError):
    """The platform is misconfigured; refuses to start or to act."""

    status_code = 500
    code = "configuration_error"
