"""The in-process client for agents: a LangChain chat model and an embeddings function.

Calls go through the same Gateway pipeline as HTTP (policy, budgets, limits, redaction, ledger),
as the acting user and with a purpose (`copilot`, `tutor`, `eval`).
"""

from collections.abc import AsyncIterator, Sequence
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, convert_to_openai_messages
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ConfigDict

from cognify.security import Actor
from gateway.policy import Caller
from gateway.service import get_gateway


def caller_for(actor: Actor, purpose: str) -> Caller:
    """The gateway caller for an actor acting with a purpose."""
    return Caller(actor.tenant_id, actor.user_id, None, purpose)


class GatewayChatModel(BaseChatModel):
    """A chat model whose every call is a gateway call of `actor` for `purpose` on group `model`."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    actor: Actor
    purpose: str
    model: str = "copilot"
    temperature: float | None = None
    max_tokens: int | None = None
    call_options: dict[str, Any] = {}

    @property
    def _llm_type(self) -> str:
        return "cognify-gateway"

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: Any = None, **kwargs: Any,
                   ) -> Runnable[Any, AIMessage]:
        """Bind OpenAI-format tools (and optionally `tool_choice`)."""
        options: dict[str, Any] = {"tools": [convert_to_openai_tool(t) for t in tools], **kwargs}
        if tool_choice is not None:
            options["tool_choice"] = tool_choice
        return self.bind(**options)

    def _body(self, messages: list[BaseMessage], stop: list[str] | None, **kwargs: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "messages": convert_to_openai_messages(messages),
                                **self.call_options, **kwargs}
        for name, value in (("temperature", self.temperature), ("max_tokens", self.max_tokens),
                            ("stop", stop)):
            if value is not None:
                body.setdefault(name, value)
        return body

    async def _agenerate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                         run_manager: AsyncCallbackManagerForLLMRun | None = None, **kwargs: Any,
                         ) -> ChatResult:
        response = await get_gateway().chat(caller_for(self.actor, self.purpose),
                                            self._body(messages, stop, **kwargs))
        choice = response["choices"][0]
        message = _ai_message(choice["message"], response.get("usage") or {})
        info = {"finish_reason": choice.get("finish_reason")}
        return ChatResult(generations=[ChatGeneration(message=message, generation_info=info)],
                          llm_output={"model": self.model, "usage": response.get("usage")})

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        import asyncio

        return asyncio.run(self._agenerate(messages, stop, **kwargs))

    async def _astream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                       run_manager: AsyncCallbackManagerForLLMRun | None = None, **kwargs: Any,
                       ) -> AsyncIterator[ChatGenerationChunk]:
        chunks = await get_gateway().stream(caller_for(self.actor, self.purpose),
                                            self._body(messages, stop, **kwargs))
        async for data in chunks:
            usage = data.get("usage")
            for choice in data.get("choices", []):
                delta = choice.get("delta") or {}
                calls = [tool_call_chunk(name=c.get("function", {}).get("name"), id=c.get("id"),
                                         args=c.get("function", {}).get("arguments"), index=c.get("index"))
                         for c in delta.get("tool_calls") or []]
                chunk = AIMessageChunk(content=delta.get("content") or "", tool_call_chunks=calls)
                if run_manager:
                    await run_manager.on_llm_new_token(str(chunk.content),
                                                       chunk=ChatGenerationChunk(message=chunk))
                yield ChatGenerationChunk(message=chunk)
            if usage:
                yield ChatGenerationChunk(message=AIMessageChunk(content="", usage_metadata={
                    "input_tokens": usage.get("prompt_tokens", 0),
                    "output_tokens": usage.get("completion_tokens", 0),
                    "total_tokens": usage.get("total_tokens", 0)}))


def _ai_message(message: dict[str, Any], usage: dict[str, Any]) -> AIMessage:
    import json

    tool_calls = [{"name": c["function"]["name"], "args": json.loads(c["function"].get("arguments") or "{}"),
                   "id": c.get("id"), "type": "tool_call"} for c in message.get("tool_calls") or []]
    return AIMessage(content=message.get("content") or "", tool_calls=tool_calls, usage_metadata={
        "input_tokens": usage.get("prompt_tokens", 0), "output_tokens": usage.get("completion_tokens", 0),
        "total_tokens": usage.get("total_tokens", 0)})


async def embed(actor: Actor, purpose: str, texts: list[str], model: str = "embed") -> list[list[float]]:
    """Embeddings of `texts` through the gateway's `embed` group."""
    response = await get_gateway().embed(caller_for(actor, purpose), {"model": model, "input": texts})
    return [item["embedding"] for item in sorted(response["data"], key=lambda d: d["index"])]
