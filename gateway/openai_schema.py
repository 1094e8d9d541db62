"""The request bodies of the OpenAI-compatible routes: documented in OpenAPI and checked at the edge.

The routes read their bodies with orjson, check them against these models (a bad one is OpenAI's 400
`invalid_request_error` naming the parameter) and pass the dict on; `/openapi.json` and `/docs` show
the same models. Keys they do not name pass
through to the provider unchanged (`top_k`, `min_p`, `metadata`...).
"""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gateway import errors

PASS_THROUGH = ConfigDict(extra="allow")


class ChatMessage(BaseModel):
    """One message of the conversation."""

    model_config = PASS_THROUGH
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[dict[str, Any]] | None = Field(
        default=None, description="Text, or content parts; null on an assistant message with tool calls")
    name: str | None = None
    tool_calls: list[dict[str, Any]] | None = None
    tool_call_id: str | None = None


class ChatCompletionRequest(BaseModel):
    """OpenAI's chat completion request; `model` is one of the caller's model groups (`GET /v1/models`)."""

    model_config = PASS_THROUGH
    model: str = Field(description="A model group the caller's policy allows")
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = Field(default=False, description="Server-sent events, usage in the final chunk")
    max_tokens: int | None = Field(default=None, ge=1, description="Capped by the tenant's policy")
    max_completion_tokens: int | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, ge=0, le=1)
    n: int | None = Field(default=None, ge=1, le=16)
    stop: str | list[str] | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    response_format: dict[str, Any] | None = None
    seed: int | None = None
    user: str | None = None
    cache: bool | None = Field(default=None, description="Cognify: the exact-match cache (default: policy)")


class EmbeddingRequest(BaseModel):
    """OpenAI's embeddings request."""

    model_config = PASS_THROUGH
    model: str = Field(description="An embedding model group, e.g. `embed`")
    input: str | list[str] | list[int] | list[list[int]] = Field(description="Text(s) or token ids")
    dimensions: int | None = Field(default=None, ge=1)
    encoding_format: Literal["float", "base64"] | None = None
    user: str | None = None


def request_body(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` documenting `model` as the JSON body (its `$defs` are moved to the components)."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def check(model: type[BaseModel], body: dict[str, Any]) -> None:
    """400 naming the first bad parameter when `body` does not fit `model`."""
    try:
        model.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        param = ".".join(str(part) for part in first["loc"])
        raise errors.invalid_request(f"Invalid '{param}': {first['msg']}", param or None) from None
