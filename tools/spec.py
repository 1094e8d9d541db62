"""Tool declarations: function, argument model, permission, and whether it writes or needs approval."""

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_type_hints

from pydantic import BaseModel, ConfigDict

from cognify.security import Actor


class ToolArgs(BaseModel):
    """Base of every tool's arguments: unknown fields (a smuggled tenant or user id) are refused."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class ToolSpec:
    """One declared tool."""

    name: str
    description: str
    args: type[ToolArgs]
    permission: str
    writes: bool
    approval: bool
    fn: Callable[..., Any]

    @property
    def is_async(self) -> bool:
        """Whether the function is a coroutine function."""
        return inspect.iscoroutinefunction(self.fn)

    def allowed(self, actor: Actor) -> bool:
        """Whether the actor holds the tool's permission."""
        return actor.can(self.permission)


def declare(
    permission: str, *, writes: bool = False, approval: bool = False
) -> Callable[[Callable[..., Any]], ToolSpec]:
    """Turn `fn(session, actor, args: SomeArgs)` into a `ToolSpec` named after the function."""

    def wrap(fn: Callable[..., Any]) -> ToolSpec:
        args = get_type_hints(fn)["args"]
        if not issubclass(args, ToolArgs):
            raise TypeError(f"{fn.__name__}: args must be a ToolArgs model")
        description = inspect.getdoc(fn) or fn.__name__
        return ToolSpec(fn.__name__, description, args, permission, writes, approval, fn)

    return wrap
