"""Auto-grading of objective questions: answer shapes, scoring, pass mark."""

from typing import Any

from cognify.errors import ValidationFailed
from domain.lms.models import QuestionType


def _normalise(text: str) -> str:
    return " ".join(text.split()).casefold()


def _fits(question: dict[str, Any], given: Any) -> bool:
    kind, n = question["type"], len(question.get("options") or [])
    if given is None:
        return True
    if kind == QuestionType.single_choice:
        return type(given) is int and 0 <= given < n
    if kind == QuestionType.multiple_choice:
        return isinstance(given, list) and all(type(g) is int and 0 <= g < n for g in given)
    if kind == QuestionType.true_false:
        return isinstance(given, bool)
    return isinstance(given, str) and len(given) <= 5000


def check_answers(questions: list[dict[str, Any]], answers: dict[str, Any]) -> None:
    """422 naming `answers.<id>` for an unknown question or an answer of the wrong shape."""
    by_id = {q["id"]: q for q in questions}
    for qid, given in answers.items():
        question = by_id.get(qid)
        if question is None:
            raise ValidationFailed(f"answers.{qid}: no such question", details={"field": f"answers.{qid}"})
        if not _fits(question, given):
            raise ValidationFailed(
                f"answers.{qid}: not a valid answer to a {question['type']} question",
                details={"field": f"answers.{qid}"},
            )


def is_correct(question: dict[str, Any], given: Any) -> bool:
    """Whether an answer matches the key (short answers ignore case and spacing)."""
    key, kind = question["answer"], question["type"]
    if given is None:
        return False
    if kind == QuestionType.multiple_choice:
        return isinstance(given, list) and sorted(set(given)) == sorted(key)
    if kind == QuestionType.short_answer:
        accepted = [key] if isinstance(key, str) else key
        return isinstance(given, str) and _normalise(given) in {_normalise(a) for a in accepted}
    if kind == QuestionType.true_false:
        return given is key
    return type(given) is int and given == key


def grade(questions: list[dict[str, Any]], answers: dict[str, Any], pass_score: float) -> tuple[float, bool]:
    """Score as a percentage of points (two decimals) and whether it reaches the pass mark."""
    total = sum(float(q.get("points", 1.0)) for q in questions)
    earned = sum(float(q.get("points", 1.0)) for q in questions if is_correct(q, answers.get(q["id"])))
    score = round(100.0 * earned / total, 2) if total else 0.0
    return score, score >= pass_score
