"""The tutor suite as data: the school fixture, questions, what each expects and its recorded answer."""

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from evals.tutor_fixtures import Refs, TutorFixture

SUITES_DIR = Path(__file__).parent / "suites"
REF = re.compile(r"\$(block|course)\.(\w+)")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Script(Strict):
    """The recorded policy's turn: an optional `search_course_content` call, then the answer."""

    search: dict[str, Any] | None = None
    answer: str


class TutorQuestion(Strict):
    """One question, who asks it, and what a good tutor does (see evals/suites/tutor.yaml)."""

    id: str
    expect: Literal["answer", "refuse", "socratic", "lock"]
    question: str
    student: str | None = None
    gold: list[str] = Field(default_factory=list)
    facts: list[str | list[str]] = Field(default_factory=list)
    forbidden: list[str] = Field(default_factory=list)
    forbidden_facts: list[str] = Field(default_factory=list)
    key: str | None = Field(default=None, pattern=r"^\w+\.\w+$")
    leaks: list[str] = Field(default_factory=list)
    exam: str | None = None
    script: Script | None = None

    @model_validator(mode="after")
    def _complete(self) -> "TutorQuestion":
        if self.expect == "lock" and not self.exam:
            raise ValueError(f"{self.id}: a lock question names its `exam`")
        if self.expect == "socratic" and not self.key:
            raise ValueError(f"{self.id}: a socratic question names its answer `key`")
        if self.expect != "lock" and self.script is None:
            raise ValueError(f"{self.id}: the recorded policy needs a `script`")
        return self


class TutorSuite(Strict):
    name: str
    kind: str = "tutor"
    description: str = ""
    k: int = Field(default=5, ge=1, le=10)
    student: str
    refusal_markers: list[str]
    fixture: TutorFixture
    questions: list[TutorQuestion]

    @model_validator(mode="after")
    def _references(self) -> "TutorSuite":
        blocks = self.fixture.blocks()
        ids = [q.id for q in self.questions]
        if len(ids) != len(set(ids)):
            raise ValueError("duplicate question ids")
        for q in self.questions:
            unknown = [b for b in q.gold + q.forbidden if b not in blocks]
            if unknown or (q.student or self.student) not in self.fixture.students:
                raise ValueError(f"{q.id}: unknown blocks {unknown} or student")
            if q.key and q.key.split(".")[0] not in self.fixture.assessments:
                raise ValueError(f"{q.id}: unknown assessment in key {q.key}")
        return self

    def leaks(self, question: TutorQuestion) -> list[str]:
        """The answer key of the question's assessment item and its listed variants."""
        if not question.key:
            return question.leaks
        assessment, item = question.key.split(".")
        return [self.fixture.assessments[assessment].key(item), *question.leaks]


def load_suite(path: Path | str = SUITES_DIR / "tutor.yaml") -> TutorSuite:
    """The suite at `path`."""
    return TutorSuite.model_validate(yaml.safe_load(Path(path).read_text()))


def resolve(value: Any, refs: Refs) -> Any:
    """`value` with every `$block.key` / `$course.key` replaced by that row's id."""
    if isinstance(value, str):
        return REF.sub(lambda m: str(refs[f"{m[1]}.{m[2]}"]), value)
    if isinstance(value, dict):
        return {k: resolve(v, refs) for k, v in value.items()}
    return value
