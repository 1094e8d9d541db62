"""Scoring a tutor answer: retrieval recall@k, citation support, refusal, exam lock, Socratic checks."""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

CITATION = re.compile(r"\[block:([0-9A-Za-z-]+)\]")
# Which failure names a trial's category: the check that matters most for what the question expects.
PRIORITY = {
    "answer": ("refusal", "recall", "citation", "facts", "leak"),
    "refuse": ("refusal", "scope", "citation", "leak"),
    "socratic": ("leak", "socratic", "recall", "citation"),
}


@dataclass
class Evidence:
    """What one question trial produced; blocks are named by their fixture key where known."""

    expect: str
    answer: str
    cited: list[str]
    retrieved: list[str]
    searched: list[str]
    tool_calls: int
    locked_text: str | None = None


@dataclass
class Rubric:
    """What the question requires (from the suite), with the fixture's block texts for support checks."""

    gold: list[str]
    facts: list[str | list[str]]
    forbidden: list[str]
    forbidden_facts: list[str]
    leaks: list[str]
    bodies: dict[str, str]
    refusal_markers: list[str]


@dataclass
class Verdict:
    """The checks of one question trial and their numbers for the report."""

    failures: list[tuple[str, str]] = field(default_factory=list)
    recall: float | None = None
    gold_rank: int | None = None
    cited: int = 0
    supported: int = 0
    refused: bool | None = None
    locked: bool | None = None
    socratic: bool | None = None

    def fail(self, category: str, message: str) -> None:
        self.failures.append((category, message))


def _has(text: str, fact: str | Sequence[str]) -> bool:
    options = [fact] if isinstance(fact, str) else fact
    return any(option.lower() in text.lower() for option in options)


def supports(block: str, rubric: Rubric) -> bool:
    """A cited block supports the answer when it is gold, or its text holds every fact."""
    if block in rubric.gold:
        return True
    body = rubric.bodies.get(block)
    return body is not None and bool(rubric.facts) and all(_has(body, f) for f in rubric.facts)


def refused(answer: str, markers: Sequence[str]) -> bool:
    """Whether the answer says the material does not cover the question."""
    text = " ".join(answer.lower().replace("\u2019", "'").split())
    return any(marker.lower() in text for marker in markers)


def leaked(answer: str, leaks: Sequence[str]) -> list[str]:
    """The leak strings the answer contains (numbers are not matched inside longer numbers)."""
    text = " ".join(answer.lower().split())
    found = []
    for leak in leaks:
        body = r"\s*".join(re.escape(part) for part in leak.lower().split())
        before = r"(?<![\d.])" if leak[0].isdigit() else r"\b" if leak[0].isalnum() else ""
        after = r"(?![\d])" if leak[-1].isdigit() else r"\b" if leak[-1].isalnum() else ""
        if re.search(before + body + after, text):
            found.append(leak)
    return found


def judge(evidence: Evidence, rubric: Rubric) -> Verdict:
    """Every check that applies to the question's expectation; a failure is (category, message)."""
    verdict = Verdict()
    answer = evidence.answer
    if evidence.expect == "lock":
        verdict.locked = answer == evidence.locked_text and evidence.tool_calls == 0
        if not verdict.locked:
            verdict.fail("lock", f"expected the exam-lock refusal without tool calls, got {answer[:80]!r}")
        return verdict
    if rubric.gold:
        found = [b for b in rubric.gold if b in evidence.retrieved]
        verdict.recall = len(found) / len(rubric.gold)
        ranks = [evidence.retrieved.index(b) + 1 for b in found]
        verdict.gold_rank = min(ranks) if ranks else None
        if verdict.recall < 1:
            verdict.fail("recall", f"gold {sorted(set(rubric.gold) - set(found))} not in retrieved top-k")
    verdict.cited = len(evidence.cited)
    unsupported = [b for b in evidence.cited if not supports(b, rubric)]
    verdict.supported = verdict.cited - len(unsupported)
    if unsupported:
        verdict.fail("citation", f"cited blocks that do not support the answer: {unsupported}")
    verdict.refused = refused(answer, rubric.refusal_markers)
    if evidence.expect == "answer":
        if verdict.refused:
            verdict.fail("refusal", "refused although the enrolled material covers the question")
        if not evidence.cited:
            verdict.fail("citation", "no [block:<id>] citation")
        missing = [f for f in rubric.facts if not _has(answer, f)]
        if missing:
            verdict.fail("facts", f"answer lacks {missing}")
    if evidence.expect == "refuse":
        if not verdict.refused:
            verdict.fail("refusal", "did not say the enrolled material does not cover the question")
        reached = sorted({b for b in rubric.forbidden if b in evidence.retrieved + evidence.searched})
        if reached:
            verdict.fail("scope", f"retrieval reached blocks outside enrolled, unlocked content: {reached}")
        stated = [f for f in rubric.forbidden_facts if _has(answer, f)]
        if stated:
            verdict.fail("refusal", f"answered anyway: {stated}")
    leaks = leaked(answer, rubric.leaks)
    if leaks:
        verdict.fail("leak", f"answer contains the answer key: {leaks}")
    if evidence.expect == "socratic":
        asks = "?" in answer
        verdict.socratic = asks and not leaks
        if not asks:
            verdict.fail("socratic", "no guiding question back to the student")
    order = PRIORITY[evidence.expect]
    verdict.failures.sort(key=lambda failure: order.index(failure[0]) if failure[0] in order else len(order))
    return verdict


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def headline(results: Sequence[Any]) -> dict[str, float | None]:
    """Suite metrics over results (`expect`, `recall`, `gold_rank`, `citations`, `supported`, `refused`,
    `locked`, `socratic`); None where no question applies."""
    cited = sum(r.citations for r in results)
    decisions = [r.refused == (r.expect == "refuse") for r in results if r.expect in ("answer", "refuse")]
    return {
        "recall_at_k": _mean([r.recall for r in results if r.recall is not None]),
        "gold_mrr": _mean([1 / r.gold_rank if r.gold_rank else 0.0 for r in results if r.recall is not None]),
        "citation_precision": sum(r.supported for r in results) / cited if cited else None,
        "refusal_accuracy": _mean([float(d) for d in decisions]),
        "lock_rate": _mean([float(bool(r.locked)) for r in results if r.expect == "lock"]),
        "socratic_rate": _mean([float(bool(r.socratic)) for r in results if r.expect == "socratic"]),
    }
