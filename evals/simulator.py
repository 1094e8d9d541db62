"""The staff member's side of a task: the recorded turns, or a model playing the user (tau-bench style).

A simulator sees the dialogue so far (the user's messages and the copilot's answers) and returns the
next user message, or None when the user is done. The model-backed one runs through the gateway as
the task's staff member with purpose `eval`, so it obeys tenant policy and lands in the ledger.
"""

from dataclasses import dataclass
from typing import Protocol

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from cognify.security import Actor
from evals.suite import Refs, Task, resolve_text
from gateway.client import GatewayChatModel

STOP = "###STOP###"
EXTRA_TURNS = 2
KICKOFF = "(The copilot is open. Write your first message.)"
PROMPT = """You are role-playing a staff member ({role}) of a school who is using the school's AI copilot.
{persona}

Your goal, which the copilot does not know (give details only when they are needed or asked for):
{goal}

Write only your next message to the copilot, in plain words, as the staff member would type it.
Never invent names, ids or amounts that your goal does not give you, and do not do the copilot's work.
When your goal is achieved, or the copilot cannot or will not achieve it, reply with exactly {stop}"""
DEFAULT_PERSONA = "You are busy and practical; you write short messages."
Turn = dict[str, str]


class UserSimulator(Protocol):
    """Decides the user's next message."""

    async def next_message(self, dialogue: list[Turn]) -> str | None:
        """The next user message given the dialogue so far, or None when the user is done."""
        ...


def dialogue(messages: list[BaseMessage]) -> list[Turn]:
    """The conversation as the user sees it: their messages and the copilot's answers (no tool calls)."""
    turns: list[Turn] = []
    for message in messages:
        if isinstance(message, HumanMessage):
            turns.append({"role": "user", "content": message.text})
        elif isinstance(message, AIMessage) and not message.tool_calls:
            turns.append({"role": "copilot", "content": message.text})
    return turns


@dataclass
class ScriptedUser:
    """Replays the task's recorded turns, one per user message, then is done (no provider needed)."""

    turns: list[str]

    async def next_message(self, dialogue: list[Turn]) -> str | None:
        said = sum(1 for turn in dialogue if turn["role"] == "user")
        return self.turns[said] if said < len(self.turns) else None


@dataclass
class ModelUser:
    """A chat model playing the staff member from a hidden goal; it ends the dialogue by saying STOP."""

    model: BaseChatModel
    system: str
    max_turns: int

    def messages(self, dialogue: list[Turn]) -> list[BaseMessage]:
        """The simulator's own chat: its past messages are the assistant's, the copilot's are the user's."""
        chat: list[BaseMessage] = [SystemMessage(self.system), HumanMessage(KICKOFF)]
        for turn in dialogue:
            if turn["role"] == "user":
                chat.append(AIMessage(turn["content"]))
            else:
                chat.append(HumanMessage(turn["content"] or "(no answer)"))
        return chat

    async def next_message(self, dialogue: list[Turn]) -> str | None:
        if sum(1 for turn in dialogue if turn["role"] == "user") >= self.max_turns:
            return None
        reply = await self.model.ainvoke(self.messages(dialogue))
        text = reply.text.strip()
        return None if not text or STOP in text else text


def user_for(task: Task, refs: Refs, actor: Actor, model_group: str | None) -> UserSimulator:
    """The task's recorded turns, or (with a model group) a gateway model playing `actor`."""
    turns = [resolve_text(turn, refs) for turn in task.turns]
    if model_group is None:
        return ScriptedUser(turns)
    goal = resolve_text(task.goal, refs) if task.goal else "\n".join(f"- {turn}" for turn in turns)
    system = PROMPT.format(
        role=actor.role.value, persona=task.persona or DEFAULT_PERSONA, goal=goal, stop=STOP
    )
    model = GatewayChatModel(actor=actor, purpose="eval", model=model_group, temperature=0.0)
    return ModelUser(model, system, max_turns=len(turns) + EXTRA_TURNS)
