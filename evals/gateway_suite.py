"""The gateway suite: policy cases run through the in-process gateway against a recording upstream.

Each case trial gets a new tenant (its region and plan), a GatewayConfig whose deployments all point
at the eval's own upstream (`evals.upstream`), and a Gateway built from that config alone, so cases
never share routers, cooldowns or limits. Scored on the calls' outcomes, the deployments the
upstream saw, and the PII it did (not) see. No model is involved: a model group is ignored.
"""

import asyncio
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import uuid4

import yaml
from pydantic import BaseModel, ConfigDict, Field
from rich.progress import Progress

from evals.fixtures import new_tenant
from evals.gateway_report import write_outputs
from evals.kinds import select_by_id
from evals.scoring import pass_hat_k
from evals.upstream import RecordingUpstream, serve
from gateway.config import GatewayConfig, parse_config
from gateway.errors import GatewayError
from gateway.ledger import get_mover
from gateway.policy import Caller
from gateway.service import GatewayCore

SUITES_DIR = Path(__file__).parent / "suites"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Deployment(Strict):
    """One deployment served by the recording upstream; `fail` makes it answer that HTTP status."""

    id: str
    group: str
    region: str | None = None
    external: bool = True
    input_cost_per_token: Decimal = Decimal("0.000001")
    output_cost_per_token: Decimal = Decimal("0.000002")
    fail: int | None = None


class TenantSpec(Strict):
    region: str | None = None
    plan: str = "free"


class Call(Strict):
    model: str
    content: str = "hello"
    max_tokens: int = 16


class Expect(Strict):
    outcomes: list[str]
    upstream: list[str]
    upstream_excludes: list[str] = Field(default_factory=list)
    upstream_includes: list[str] = Field(default_factory=list)
    answer_includes: list[str] = Field(default_factory=list)


class Case(Strict):
    """Calls of one tenant and what must come of them."""

    id: str
    area: str
    tenant: TenantSpec = Field(default_factory=TenantSpec)
    policy: dict[str, Any] | None = None
    calls: list[Call] = Field(min_length=1)
    expect: Expect


class GatewaySuite(Strict):
    name: str
    kind: str = "gateway"
    description: str = ""
    deployments: list[Deployment]
    fallbacks: list[dict[str, list[str]]] = Field(default_factory=list)
    policies: dict[str, Any]
    cases: list[Case]


def load_suite(path: Path | str = SUITES_DIR / "gateway.yaml") -> GatewaySuite:
    """The suite at `path`; case ids must be unique and expected outcomes match the calls."""
    suite = GatewaySuite.model_validate(yaml.safe_load(Path(path).read_text()))
    ids = [c.id for c in suite.cases]
    if len(ids) != len(set(ids)):
        raise ValueError(f"suite {suite.name}: duplicate case ids")
    for case in suite.cases:
        if len(case.expect.outcomes) != len(case.calls):
            raise ValueError(f"case {case.id}: one expected outcome per call")
    return suite


def case_config(suite: GatewaySuite, case: Case, upstream: RecordingUpstream, scope: str,
                tenant_id: str) -> GatewayConfig:
    """The gateway config of one case trial: every deployment at its own URL of this scope."""
    model_list = [{
        "model_name": d.group,
        "litellm_params": {"model": f"openai/{d.id}", "api_base": upstream.base(scope, d.id),
                           "api_key": "sk-eval-upstream"},
        "model_info": {"id": d.id, "external": d.external, "input_cost_per_token": d.input_cost_per_token,
                       "output_cost_per_token": d.output_cost_per_token,
                       **({"region": d.region} if d.region else {})},
    } for d in suite.deployments]
    policies = json.loads(json.dumps(suite.policies, default=str))
    if case.policy:
        policies.setdefault("tenants", {})[tenant_id] = case.policy
    return parse_config({
        "model_list": model_list, "policies": policies,
        "router_settings": {"num_retries": 0, "allowed_fails": 0, "timeout": 30,
                            "fallbacks": suite.fallbacks},
    }, f"gateway suite case {case.id}")


@dataclass
class CaseResult:
    """One line of results.jsonl."""

    task: str
    trial: int
    reward: int
    category: str | None
    area: str
    failures: list[str]
    outcomes: list[str]
    upstream: list[str]
    answers: list[str]
    latency_s: float
    tenant_id: str


def score(expect: Expect, outcomes: list[str], answers: list[str], seen: list[dict[str, Any]],
          deployments: list[str]) -> list[tuple[str, str]]:
    """(category, message) for every expectation the case missed."""
    failures = []
    if outcomes != expect.outcomes:
        failures.append(("outcome", f"outcomes {outcomes} != expected {expect.outcomes}"))
    if deployments != expect.upstream:
        failures.append(("routing", f"upstream saw {deployments}, expected {expect.upstream}"))
    sent = json.dumps(seen, ensure_ascii=False)
    failures += [("leak", f"upstream received {value!r}") for value in expect.upstream_excludes
                 if value in sent]
    failures += [("redaction", f"upstream never received {value!r}") for value in expect.upstream_includes
                 if value not in sent]
    said = "\n".join(answers)
    failures += [("restore", f"answer lacks {value!r}") for value in expect.answer_includes
                 if value not in said]
    return failures


async def _calls(core: GatewayCore, caller: Caller, case: Case) -> tuple[list[str], list[str]]:
    gateway = core.for_loop()
    outcomes, answers = [], []
    try:
        for call in case.calls:
            body = {"model": call.model, "max_tokens": call.max_tokens,
                    "messages": [{"role": "user", "content": call.content}]}
            try:
                response = await gateway.chat(caller, body)
            except GatewayError as exc:
                outcomes.append(f"{exc.status_code} {exc.code}")
                continue
            outcomes.append("ok")
            answers.append(str(response["choices"][0]["message"].get("content") or ""))
    finally:
        await gateway.redis.aclose()
    return outcomes, answers


async def run_case(suite: GatewaySuite, case: Case, trial: int, upstream: RecordingUpstream) -> CaseResult:
    """One trial of one case in its own tenant and gateway."""
    tenant_id, owner_id = await asyncio.to_thread(
        new_tenant, f"{suite.name}/{case.id}#{trial}", region=case.tenant.region, plan=case.tenant.plan)
    scope = uuid4().hex
    core = GatewayCore(case_config(suite, case, upstream, scope, str(tenant_id)))
    started = time.perf_counter()
    outcomes, answers = await _calls(core, Caller(tenant_id, owner_id, None, "eval"), case)
    latency = time.perf_counter() - started
    received = upstream.seen(scope)
    deployments = [r.deployment for r in received]
    failures = score(case.expect, outcomes, answers, [r.body for r in received], deployments)
    return CaseResult(
        task=case.id, trial=trial, reward=0 if failures else 1, category=failures[0][0] if failures else None,
        area=case.area, failures=[message for _, message in failures], outcomes=outcomes,
        upstream=deployments, answers=answers, latency_s=round(latency, 3), tenant_id=str(tenant_id),
    )


async def _trial(suite: GatewaySuite, case: Case, trial: int, upstream: RecordingUpstream) -> CaseResult:
    import litellm

    try:
        return await run_case(suite, case, trial, upstream)
    finally:
        await litellm.close_litellm_async_clients()


@dataclass
class GatewayRun:
    """What a run produced."""

    results: list[CaseResult]
    metrics: dict[str, float]
    output: Path | None = None
    by_area: dict[str, float] = field(default_factory=dict)


def select_cases(suite: GatewaySuite, pattern: str | None) -> list[Case]:
    """The cases whose id matches the glob `pattern` (all when None)."""
    return select_by_id(suite.cases, pattern, "case", suite.name)


def run_suite(suite: GatewaySuite, *, trials: int = 1, pattern: str | None = None,
              output: Path | None = None, on_trial: Callable[[CaseResult], None] | None = None) -> GatewayRun:
    """Run every selected case `trials` times; write results.jsonl, report.md and a plot under `output`."""
    if trials < 1:
        raise ValueError("trials must be at least 1")
    upstream = RecordingUpstream(failing={d.id: d.fail for d in suite.deployments if d.fail})
    results = []
    with serve(upstream):
        for case in select_cases(suite, pattern):
            for trial in range(trials):
                # One event loop per trial: LiteLLM closes the HTTP clients of a Router it dropped
                # when their loop ends, and each case builds its own Router.
                results.append(asyncio.run(_trial(suite, case, trial, upstream)))
                if on_trial is not None:
                    on_trial(results[-1])
    get_mover().flush()
    run = summarize(results, trials)
    if output is not None:
        write_outputs(output, suite, run, trials)
        run.output = output
    return run


def summarize(results: list[CaseResult], trials: int) -> GatewayRun:
    """pass^k, mean reward and the pass rate of each policy area."""
    by_case = Counter[str]()
    areas: dict[str, list[int]] = {}
    for r in results:
        by_case[r.task] += r.reward
        areas.setdefault(r.area, []).append(r.reward)
    metrics = {f"pass^{k}": v for k, v in pass_hat_k([by_case[t] for t in dict.fromkeys(
        r.task for r in results)], trials).items()}
    metrics["mean_reward"] = sum(r.reward for r in results) / len(results)
    by_area = {area: sum(rewards) / len(rewards) for area, rewards in areas.items()}
    return GatewayRun(results, metrics, by_area=by_area)


def run_cli(path: Path, *, model_group: str | None, trials: int, pattern: str | None, output: Path,
            parallel: int, progress: Progress) -> dict[str, float]:
    """`cognify eval run gateway`: no model, so `model_group` is ignored; cases run one at a time,
    about half a second each (`parallel` is ignored)."""
    suite = load_suite(path)
    count = len(select_cases(suite, pattern)) * trials
    note = " (--model-group ignored: no model)" if model_group else ""
    bar = progress.add_task(f"{suite.name}{note}", total=count)
    run = run_suite(suite, trials=trials, pattern=pattern, output=output,
                    on_trial=lambda _: progress.advance(bar))
    return run.metrics
