"""The local encoder as a LiteLLM custom provider: `cognify-local/all-minilm-l6-v2`.

Registered under `litellm.custom_provider_map`, so LiteLLM's Router (the gateway's `embed`
group) can route to it like any self-hosted, in-region deployment:

    - model_name: embed
      litellm_params: {model: cognify-local/all-minilm-l6-v2}
      model_info: {id: local-embed, external: false}
"""

import os
from collections.abc import Callable
from typing import Any

import anyio

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import litellm  # noqa: E402
from litellm import CustomLLM  # noqa: E402
from litellm.llms.custom_llm import CustomLLMError  # noqa: E402
from litellm.types.utils import Embedding, EmbeddingResponse, Usage  # noqa: E402

from vector.local_model import LOCAL_EMBED_MODEL, MODEL_NAME, PROVIDER, local_model  # noqa: E402,F401


class LocalEmbeddingProvider(CustomLLM):
    """LiteLLM handler that embeds with the in-process ONNX model."""

    def embedding(  # type: ignore[override]
        self, model: str, input: list, model_response: EmbeddingResponse, print_verbose: Callable,
        logging_obj: Any, optional_params: dict, api_key: str | None = None, api_base: str | None = None,
        timeout: Any = None, litellm_params: Any = None,
    ) -> EmbeddingResponse:
        """Embed a list of strings (or one string)."""
        texts = _texts(model, input)
        encoder = local_model()
        vectors = encoder.encode(texts)
        tokens = encoder.count_tokens(texts)
        model_response.model = MODEL_NAME
        model_response.data = [Embedding(embedding=v.tolist(), index=i, object="embedding")
                               for i, v in enumerate(vectors)]
        model_response.usage = Usage(prompt_tokens=tokens, completion_tokens=0, total_tokens=tokens)
        return model_response

    async def aembedding(  # type: ignore[override]
        self, model: str, input: list, model_response: EmbeddingResponse, print_verbose: Callable,
        logging_obj: Any, optional_params: dict, api_key: str | None = None, api_base: str | None = None,
        timeout: Any = None, litellm_params: Any = None,
    ) -> EmbeddingResponse:
        """Embed off the event loop (onnxruntime releases the GIL)."""
        return await anyio.to_thread.run_sync(
            lambda: self.embedding(model, input, model_response, print_verbose, logging_obj, optional_params))


def _texts(model: str, raw: Any) -> list[str]:
    if model != MODEL_NAME:
        raise CustomLLMError(status_code=404, message=f"{PROVIDER} serves only {MODEL_NAME}, not {model}")
    texts = [raw] if isinstance(raw, str) else raw
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        raise CustomLLMError(status_code=400, message=f"{PROVIDER} embeds strings only")
    return texts


def register_local_embedder() -> None:
    """Make `cognify-local/...` models resolvable by litellm and its Router (idempotent)."""
    if any(entry.get("provider") == PROVIDER for entry in litellm.custom_provider_map):
        return
    litellm.custom_provider_map = [*litellm.custom_provider_map,
                                   {"provider": PROVIDER, "custom_handler": LocalEmbeddingProvider()}]
    litellm.utils.custom_llm_setup()
