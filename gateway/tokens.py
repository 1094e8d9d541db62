"""Token counts for reservations: cl100k_base (LiteLLM's bundled copy) with a safety margin.

Providers tokenise differently; the margin keeps a reservation above the prompt's real size so
settling never needs more than was reserved.
"""

from functools import lru_cache
from typing import Any

import orjson

PER_MESSAGE = 4
MARGIN = 1.15


@lru_cache
def _encoding() -> Any:
    from litellm.litellm_core_utils.default_encoding import encoding

    return encoding


def count_text_tokens(text: str) -> int:
    """Tokens in a text (with the margin)."""
    return int(len(_encoding().encode(text, disallowed_special=())) * MARGIN) + 1


def count_prompt_tokens(messages: list[dict[str, Any]], tools: Any = None) -> int:
    """An upper estimate of a chat prompt's tokens."""
    parts = []
    for message in messages:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            parts.append(content)
        elif content is not None:
            parts.append(orjson.dumps(content).decode())
        if isinstance(message, dict) and message.get("tool_calls"):
            parts.append(orjson.dumps(message["tool_calls"]).decode())
    if tools:
        parts.append(orjson.dumps(tools).decode())
    return count_text_tokens("\n".join(parts)) + PER_MESSAGE * len(messages) + 3
