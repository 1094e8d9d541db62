"""Eval fixtures: the copilot's gateway group served by the agents' local OpenAI-compatible model."""

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.append(str(Path(__file__).parent.parent / "agents"))  # reuse the agents' local upstream


@pytest.fixture(scope="module")
def gateway_model(services, tmp_path_factory) -> Iterator[Any]:
    """A local tool-calling model behind the gateway group `eval-copilot`, for one module."""
    from agent_upstream import ToolUsingModel, gateway_group

    with gateway_group("eval-copilot", ToolUsingModel(), tmp_path_factory.mktemp("evals-gateway")) as model:
        yield model

