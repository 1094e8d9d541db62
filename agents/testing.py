"""A scripted chat model for tests and demos: it replays real `AIMessage`s, tool calls included."""

from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import Field

Step = AIMessage | Callable[[list[BaseMessage]], AIMessage]


class ScriptedChatModel(BaseChatModel):
    """Answers with step N of the script when the conversation already holds N model messages.

    Being a function of the conversation, it gives the same answers after a restart. A step may be
    a callable of the messages (to use ids from earlier tool results). Every call records the names
    of the tools it was offered in `offered_tools`.
    """

    steps: list[Any] = Field(description="AIMessages, or callables of the messages returning one")
    offered_tools: list[list[str]] = Field(default_factory=list)
    seen_messages: list[list[BaseMessage]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Runnable[Any, AIMessage]:
        """Bind tools as an OpenAI-style model would."""
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], **kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self.offered_tools.append([t["function"]["name"] for t in kwargs.get("tools", [])])
        self.seen_messages.append(list(messages))
        index = sum(isinstance(m, AIMessage) for m in messages)
        if index >= len(self.steps):
            raise IndexError(f"script has {len(self.steps)} steps; step {index} was asked for")
        step: Step = self.steps[index]
        message = step(messages) if callable(step) else step
        return ChatResult(generations=[ChatGeneration(message=message.model_copy())])
