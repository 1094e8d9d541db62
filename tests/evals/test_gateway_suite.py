"""The gateway suite on the real pipeline: every case passes, and a wrong expectation is caught."""

import json

from rich.progress import Progress

from evals.gateway_suite import SUITES_DIR, Case, GatewaySuite, load_suite, run_cli, run_suite

SUITE = load_suite()


def test_suite_covers_every_policy_area():
    assert len(SUITE.cases) >= 12
    assert {c.area for c in SUITE.cases} >= {"allow-list", "region", "budget", "rate-limit", "redaction"}


def test_every_case_passes_and_the_report_is_written(tmp_path):
    with Progress(disable=True) as progress:
        metrics = run_cli(SUITES_DIR / "gateway.yaml", model_group="ignored", trials=1, pattern=None,
                          output=tmp_path, parallel=2, progress=progress)
        assert progress.tasks[0].completed == len(SUITE.cases)

    assert metrics["pass^1"] == 1.0
    lines = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert {line["task"] for line in lines} == {c.id for c in SUITE.cases}
    assert all(line["reward"] == 1 and line["category"] is None for line in lines), [
        (line["task"], line["failures"]) for line in lines if line["reward"] != 1]
    by_task = {line["task"]: line for line in lines}
    redacted = by_task["pii-redacted-for-external-and-restored"]
    assert "jane.doe@example.com" in redacted["answers"][0] and redacted["upstream"] == ["chat-us"]
    assert by_task["eu-tenant-stays-in-eu"]["upstream"] == ["chat-eu"] * 3
    assert len({line["tenant_id"] for line in lines}) == len(lines)
    report = (tmp_path / "report.md").read_text()
    assert "| pass^1 | 1.000 |" in report and "--model-group is ignored" in report
    assert (tmp_path / "pass_by_area.png").stat().st_size > 0


def _with(case_id: str, **expect) -> GatewaySuite:
    case = next(c for c in SUITE.cases if c.id == case_id)
    changed = Case.model_validate({**case.model_dump(), "expect": {**case.expect.model_dump(), **expect}})
    return SUITE.model_copy(update={"cases": [changed]})


def test_a_wrong_expectation_fails_the_case():
    wrong_region = run_suite(_with("eu-tenant-stays-in-eu", upstream=["chat-us"] * 3))
    [result] = wrong_region.results
    assert (result.reward, result.category) == (0, "routing")
    assert result.upstream == ["chat-eu"] * 3
    not_refused = run_suite(_with("requests-per-minute-limit", outcomes=["ok", "ok", "ok"]))
    assert (not_refused.results[0].reward, not_refused.results[0].category) == (0, "outcome")
    assert not_refused.metrics["pass^1"] == 0.0


def test_pii_reaching_a_self_hosted_upstream_is_seen_by_the_leak_check():
    leak = run_suite(_with("pii-kept-for-self-hosted", upstream_excludes=["jane.doe@example.com"]))
    assert (leak.results[0].reward, leak.results[0].category) == (0, "leak")
