"""Eval fixtures: the copilot's gateway group served by the agents' local OpenAI-compatible model."""

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

sys.path.append(str(Path(__file__).parent.parent / "agents"))  # reuse the agents' local upstream


@pytest.fixture(scope="module")
def gateway_model(services, tmp_path_factory) -> Iterator[Any]:
    """A local tool-calling model behind the gateway group `eval-copilot`, for one module."""
    from agent_upstream import Served, ToolUsingModel

    from cognify.settings import get_settings
    from gateway.service import get_core

    model = ToolUsingModel()
    previous = os.environ.get("COGNIFY_GATEWAY_CONFIG")
    with Served(model) as served:
        config = {
            "model_list": [
                {
                    "model_name": "eval-copilot",
                    "litellm_params": {
                        "model": "openai/eval-model",
                        "api_base": f"http://127.0.0.1:{served.port}/v1",
                        "api_key": "local",
                    },
                    "model_info": {"id": "eval-local", "external": False},
                }
            ],
            "policies": {"default": {"allowed_groups": ["*"], "monthly_budget_usd": 100}},
        }
        path = tmp_path_factory.mktemp("evals-gateway") / "gateway.yaml"
        path.write_text(yaml.safe_dump(config))
        os.environ["COGNIFY_GATEWAY_CONFIG"] = str(path)
        get_settings.cache_clear()
        get_core.cache_clear()
        try:
            yield model
        finally:
            get_core().ledger.flush()
            if previous is None:
                os.environ.pop("COGNIFY_GATEWAY_CONFIG", None)
            else:
                os.environ["COGNIFY_GATEWAY_CONFIG"] = previous
            get_settings.cache_clear()
            get_core.cache_clear()
