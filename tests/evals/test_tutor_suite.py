"""The tutor suite on the real graph and retrieval: recorded answers pass, wrong ones are caught."""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from agent_upstream import gateway_config
from langchain_core.messages import AIMessage
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from agents.testing import ScriptedChatModel
from evals.tutor import gateway, run_suite
from evals.tutor_suite import TutorSuite, load_suite, resolve
from evals.upstream import serve_app

SUITE = load_suite()


def _only(*ids: str) -> TutorSuite:
    return SUITE.model_copy(update={"questions": [q for q in SUITE.questions if q.id in ids]})


def _answers(by_question: dict[str, str]):
    """A policy that answers straight away (no search) with the given text per question."""
    return lambda question, refs, actor: ScriptedChatModel(
        steps=[AIMessage(resolve(by_question[question.id], refs))])


def test_suite_covers_answers_refusals_lock_and_socratic():
    kinds = [q.expect for q in SUITE.questions]
    assert len(kinds) >= 15
    assert {kind: kinds.count(kind) >= 2 for kind in ("answer", "refuse", "socratic", "lock")} == {
        "answer": True, "refuse": True, "socratic": True, "lock": True}


def test_recorded_answers_score_1_on_every_check(tmp_path):
    suite = _only("photosynthesis-vs-respiration", "locked-module-doppler", "not-enrolled-rome",
                  "quiz-final-speed", "exam-lock-content-question")

    run = run_suite(suite, output=tmp_path, parallel=2)

    assert {r.task: r.failures for r in run.results if r.reward != 1} == {}
    rates = ("pass^1", "mean_reward", "recall_at_k", "citation_precision", "refusal_accuracy", "lock_rate",
             "socratic_rate")
    assert {name: run.metrics[name] for name in rates} == dict.fromkeys(rates, 1.0)
    assert 0 < run.metrics["gold_mrr"] <= 1
    by_task = {r.task: r for r in run.results}
    both = by_task["photosynthesis-vs-respiration"]
    assert both.cited == ["photosynthesis", "respiration"] and both.searched[:2] != []
    locked = by_task["locked-module-doppler"]
    assert "doppler" not in locked.retrieved + locked.searched and locked.searched != []
    assert "empire" not in by_task["not-enrolled-rome"].retrieved
    assert by_task["exam-lock-content-question"].tool_calls == 0
    assert len({r.tenant_id for r in run.results}) == len(run.results)
    lines = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert [line["task"] for line in lines] == [q.id for q in suite.questions]
    report = (tmp_path / "report.md").read_text()
    assert "| citation precision | 1.000 |" in report and "| exam lock | 1.000 |" in report
    assert (tmp_path / "metrics.png").stat().st_size > 0


def test_a_wrong_citation_a_leaked_key_and_an_answer_from_outside_the_courses_score_0():
    suite = _only("osmosis", "quiz-kettle-energy", "not-enrolled-hannibal")
    policy = _answers({
        "osmosis": "Osmosis is water moving across a partially permeable membrane [block:$block.mitosis].",
        "quiz-kettle-energy": "E = P t [block:$block.power], so the kettle transfers 180 000 J. Got it?",
        "not-enrolled-hannibal": "Hannibal crossed the Alps with war elephants in 218 BC.",
    })

    run = run_suite(suite, policy, policy_name="bad")

    verdicts = {r.task: (r.reward, r.category) for r in run.results}
    assert verdicts == {"osmosis": (0, "citation"), "quiz-kettle-energy": (0, "leak"),
                        "not-enrolled-hannibal": (0, "refusal")}
    assert run.metrics["citation_precision"] == 0.5
    assert run.metrics["socratic_rate"] == 0.0 and run.metrics["refusal_accuracy"] == 0.5


@dataclass
class NaiveTutor:
    """A local OpenAI-compatible model doing naive RAG: search the student's words, quote the top block."""

    received: list[dict[str, Any]] = field(default_factory=list)

    def _reply(self, last: dict[str, Any]) -> dict[str, Any]:
        if last["role"] == "user":
            arguments = json.dumps({"query": last["content"]})
            return {"role": "assistant", "content": None, "tool_calls": [{
                "id": "call_1", "type": "function",
                "function": {"name": "search_course_content", "arguments": arguments}}]}
        chunks = json.loads(last["content"].splitlines()[1])["chunks"]
        top = next(c for c in chunks if c["content_block_id"])
        return {"role": "assistant", "content": f"{top['text']} [block:{top['content_block_id']}]"}

    async def chat(self, request: Request) -> JSONResponse:
        body = await request.json()
        self.received.append(body)
        message = self._reply(body["messages"][-1])
        return JSONResponse({
            "id": "chatcmpl-tutor", "object": "chat.completion", "created": 0, "model": body["model"],
            "usage": {"prompt_tokens": 20, "completion_tokens": 5, "total_tokens": 25},
            "choices": [{"index": 0, "message": message,
                         "finish_reason": "tool_calls" if message.get("tool_calls") else "stop"}]})


@pytest.fixture(scope="module")
def naive_tutor(services, tmp_path_factory) -> Iterator[NaiveTutor]:
    """The naive model behind the gateway group `eval-tutor`, next to the local `embed` group."""
    model = NaiveTutor()
    with serve_app(Starlette(routes=[Route("/v1/chat/completions", model.chat, methods=["POST"])])) as port:
        config = {
            "model_list": [
                {"model_name": "eval-tutor",
                 "litellm_params": {"model": "openai/naive-tutor", "api_base": f"http://127.0.0.1:{port}/v1",
                                    "api_key": "local"},
                 "model_info": {"id": "naive-tutor", "external": False, "input_cost_per_token": 0.000001,
                                "output_cost_per_token": 0.000002}},
                {"model_name": "embed", "litellm_params": {"model": "cognify-local/all-minilm-l6-v2"},
                 "model_info": {"id": "local-embed", "external": False, "region": "*", "mode": "embedding",
                                "input_cost_per_token": 0, "output_cost_per_token": 0}},
            ],
            "policies": {"default": {"allowed_groups": ["*"], "monthly_budget_usd": 100}},
        }
        with gateway_config(config, tmp_path_factory.mktemp("tutor-gateway")):
            yield model


def test_a_gateway_model_group_answers_through_the_real_graph_and_is_scored(naive_tutor):
    suite = _only("osmosis", "off-topic-world-cup", "exam-lock-exam-question")

    run = run_suite(suite, gateway("eval-tutor"), policy_name="gateway:eval-tutor")

    osmosis, world_cup, lock = run.results
    assert (osmosis.reward, osmosis.cited, osmosis.tokens) == (1, ["osmosis"], {"input": 40, "output": 10})
    assert Decimal(osmosis.cost_usd) == Decimal("0.00006")
    assert (world_cup.reward, world_cup.category) == (0, "refusal")
    assert (lock.reward, lock.tool_calls) == (1, 0)
    assert len(naive_tutor.received) == 4
    assert {tool["function"]["name"] for body in naive_tutor.received for tool in body["tools"]} == {
        "search_course_content"}
