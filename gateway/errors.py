"""Gateway errors: CognifyErrors that also know their OpenAI error `type` and `param`."""

from typing import Any

from cognify.errors import CognifyError


class GatewayError(CognifyError):
    """A refusal or failure with OpenAI's error shape available."""

    type = "invalid_request_error"

    def __init__(self, message: str, *, status_code: int, code: str, type: str | None = None,
                 param: str | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message, code=code, status_code=status_code, headers=headers)
        self.param = param
        if type:
            self.type = type

    def openai_body(self) -> dict[str, Any]:
        """OpenAI's `{"error": {message, type, code, param}}`."""
        return {"error": {"message": self.message, "type": self.type, "code": self.code, "param": self.param}}


def openai_error_body(exc: CognifyError) -> dict[str, Any]:
    """Any CognifyError in OpenAI's error shape."""
    if isinstance(exc, GatewayError):
        return exc.openai_body()
    kind = {401: "authentication_error", 403: "permission_error", 404: "not_found_error",
            429: "rate_limit_error"}.get(exc.status_code, "invalid_request_error")
    if exc.status_code >= 500:
        kind = "api_error"
    return {"error": {"message": exc.message, "type": kind, "code": exc.code, "param": None}}


def model_not_found(group: str) -> GatewayError:
    """The group does not exist or the tenant may not use it (indistinguishable on purpose)."""
    return GatewayError(f"The model '{group}' does not exist or you do not have access to it.",
                        status_code=404, code="model_not_found", param="model")


def region_unavailable(group: str, region: str) -> GatewayError:
    """No deployment of the group is in the tenant's region."""
    return GatewayError(
        f"Model '{group}' has no deployment in region '{region}'; this tenant's AI traffic must stay "
        f"in '{region}'.", status_code=403, code="region_not_allowed", type="permission_error", param="model")


def insufficient_quota(scope: str) -> GatewayError:
    """A budget cannot hold this call's maximum cost."""
    return GatewayError(f"You exceeded your current quota: the {scope} budget cannot cover this request.",
                        status_code=429, code="insufficient_quota", type="insufficient_quota")


def rate_limited(scope: str, retry_after: int) -> GatewayError:
    """An RPM or TPM window is full."""
    return GatewayError(f"Rate limit reached for {scope}; retry after {retry_after}s.",
                        status_code=429, code="rate_limit_exceeded", type="requests",
                        headers={"Retry-After": str(retry_after)})


def invalid_request(message: str, param: str | None = None) -> GatewayError:
    """The body is not a valid request."""
    return GatewayError(message, status_code=400, code="invalid_request", param=param)


def _unreachable(exc: BaseException) -> bool:
    """Whether the failure was not getting through at all (refused, reset, no route), not an answer.

    LiteLLM reports a refused connection as an InternalServerError saying "Connection error.", with
    the transport's exception in the cause chain when it has one.
    """
    import aiohttp
    import httpx
    import litellm

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, litellm.APIConnectionError | httpx.ConnectError | aiohttp.ClientConnectorError |
                      ConnectionError):
            return True
        seen = seen.__cause__ or seen.__context__
    return "Connection error." in str(exc)


def upstream_failure(exc: Exception) -> GatewayError:
    """What the caller sees when every deployment (and fallback) failed: 503 when none is live
    (down, unreachable, cooling down or rate limited), 502 when they answered with errors."""
    import litellm

    detail = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
    if isinstance(exc, litellm.BadRequestError | litellm.UnprocessableEntityError):
        return GatewayError(f"The model rejected the request: {detail}", status_code=400,
                            code="upstream_bad_request")
    unavailable = litellm.RateLimitError | litellm.ServiceUnavailableError
    if isinstance(exc, unavailable) or _unreachable(exc) or "No deployments available" in detail:
        return GatewayError(f"No deployment is available right now: {detail}", status_code=503,
                            code="no_deployment_available", type="api_error")
    return GatewayError(f"Every deployment failed: {detail}", status_code=502, code="upstream_error",
                        type="api_error")
