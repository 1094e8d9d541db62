"""Embedders: the `Embedder` protocol and its implementations (gateway, or LiteLLM direct)."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from cognify.errors import ConfigurationError
from vector.local_model import DIMENSIONS, LOCAL_EMBED_MODEL, MODEL_NAME


class Embedder(Protocol):
    """Turns texts into vectors of one embedding space (`model`, `dimensions`)."""

    model: str
    dimensions: int

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text, in order."""
        ...


def _vectors(data: Sequence[Any], expected: int, dimensions: int) -> list[list[float]]:
    rows = sorted(data, key=lambda item: item["index"])
    vectors = [list(item["embedding"]) for item in rows]
    if len(vectors) != expected or any(len(v) != dimensions for v in vectors):
        raise ConfigurationError(
            f"embedding deployment returned {len(vectors)} vectors of "
            f"{len(vectors[0]) if vectors else 0} dimensions; this space expects {dimensions}"
        )
    return vectors


@dataclass
class LiteLLMEmbedder:
    """Embeds through `litellm.aembedding` on one deployment (default: the local ONNX model)."""

    route: str = LOCAL_EMBED_MODEL
    model: str = MODEL_NAME
    dimensions: int = DIMENSIONS

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed with the configured LiteLLM model string."""
        if not texts:
            return []
        from vector.provider import register_local_embedder  # imports LiteLLM: on first use

        register_local_embedder()
        import litellm

        response = await litellm.aembedding(model=self.route, input=list(texts))
        return _vectors(response.data, len(texts), self.dimensions)


@dataclass
class GatewayEmbedder:
    """Embeds through the gateway's `embed` group, so tenant policy, budgets and the ledger apply.

    The group's deployments must all serve `model`: a fallback to another model would mix spaces.
    """

    tenant_id: UUID
    user_id: UUID | None = None
    group: str = "embed"
    model: str = MODEL_NAME
    dimensions: int = DIMENSIONS
    gateway: Callable[[], Any] | None = None  # the running loop's Gateway; default `get_gateway`

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed through `Gateway.embed` with purpose `retrieval`."""
        if not texts:
            return []
        from vector.provider import register_local_embedder  # imports LiteLLM: on first use

        register_local_embedder()
        from gateway.policy import Caller
        from gateway.service import get_gateway

        caller = Caller(tenant_id=self.tenant_id, user_id=self.user_id, purpose="retrieval")
        gateway = (self.gateway or get_gateway)()
        payload = await gateway.embed(caller, {"model": self.group, "input": list(texts)})
        return _vectors(payload["data"], len(texts), self.dimensions)


def default_embedder(tenant_id: UUID | None, user_id: UUID | None = None) -> Embedder:
    """The embedder indexing and search use unless given one: the gateway's `embed` group for a
    tenant (policy, budget and ledger hold), the local model directly for platform work."""
    return GatewayEmbedder(tenant_id, user_id) if tenant_id else LiteLLMEmbedder()
