"""The proctoring eval: tIoU matching arithmetic, the suite data, and a smoke run through the pipeline."""

import json
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError
from rich.progress import Progress

from evals.kinds import SUITES_DIR
from evals.proctoring_metrics import Counts, Span, counts_by_type, match_events, temporal_iou
from evals.proctoring_scenes import SessionRenderer, load_background, load_photo
from evals.proctoring_spec import ProctoringSuite, load_proctoring_suite
from evals.proctoring_suite import headline, run_cli, run_suite, write_run

SMOKE = ("clean-steady", "no-face-breaks", "camera-covered")


@pytest.fixture(scope="module")
def suite() -> ProctoringSuite:
    return load_proctoring_suite("proctoring")


def test_temporal_iou_of_known_intervals() -> None:
    a = Span("no_face", 0.0, 10.0)
    assert temporal_iou(a, a) == 1.0
    assert temporal_iou(a, Span("no_face", 5.0, 15.0)) == pytest.approx(5 / 15)
    assert temporal_iou(a, Span("no_face", 2.0, 4.0)) == pytest.approx(0.2)
    assert temporal_iou(a, Span("no_face", 10.0, 20.0)) == 0.0
    assert temporal_iou(Span("paste", 20.0, 20.0), Span("paste", 20.8, 20.8), point_tolerance_s=1.0) == 1.0
    assert temporal_iou(Span("paste", 20.0, 20.0), Span("paste", 21.5, 21.5), point_tolerance_s=1.0) == 0.0
    assert temporal_iou(Span("paste", 5.0, 5.0), a) == 0.0


def test_matching_is_one_to_one_per_type_at_the_threshold() -> None:
    labelled = [Span("no_face", 10, 18), Span("no_face", 30, 35), Span("looking_away", 40, 50)]
    detected = [
        Span("no_face", 11, 18),  # IoU 7/8 with the first
        Span("no_face", 12, 17),  # IoU 5/8 with the first too: the first is taken, so it is false
        Span("no_face", 30, 45),  # IoU 5/15 = 0.333 with the second: counts at 0.3
        Span("looking_away", 40, 50),
        Span("multiple_faces", 40, 50),  # nothing of its type labelled
    ]
    matching = match_events(labelled, detected, threshold=0.3)
    assert [(m.labelled.start, m.detected.start, m.iou) for m in matching.matches] == [
        (40, 40, 1.0),
        (10, 11, 0.875),
        (30, 30, 0.333),
    ]
    assert matching.missed == []
    assert [(s.type, s.start) for s in matching.false] == [("no_face", 12), ("multiple_faces", 40)]
    stricter = match_events(labelled, detected, threshold=0.34)
    assert [(s.type, s.start) for s in stricter.missed] == [("no_face", 30)]
    counts = counts_by_type(matching)
    assert counts["no_face"] == Counts(tp=2, fp=1, fn=0)
    assert counts["multiple_faces"] == Counts(tp=0, fp=1, fn=0)
    assert counts["no_face"].precision == pytest.approx(2 / 3)
    assert counts["no_face"].recall == 1.0
    assert counts["no_face"].f1 == pytest.approx(0.8)
    assert Counts().f1 is None and Counts(fn=2).precision is None


def test_suite_data_is_validated(suite: ProctoringSuite) -> None:
    assert len(suite.sessions) >= 10 and any(not s.events for s in suite.sessions)
    assert not {"grace_hopper", "astronaut"} & {p.image for p in suite.photos.values()}
    raw = suite.model_dump(mode="json")
    raw["sessions"][0] = {**raw["sessions"][0], "candidate": "nobody"}
    with pytest.raises(ValidationError, match="unknown photo"):
        ProctoringSuite.model_validate(raw)
    raw = suite.model_dump(mode="json")
    raw["sessions"][0]["timeline"] = [{"at": 5, "scene": "present"}]
    with pytest.raises(ValidationError, match="must start at 0"):
        ProctoringSuite.model_validate(raw)


def test_rendering_is_deterministic_per_seed(suite: ProctoringSuite) -> None:
    session = next(s for s in suite.sessions if s.id == "second-person")
    photos = {name: load_photo(spec) for name, spec in suite.photos.items()}
    wall = load_background(suite.backgrounds[session.background], session.resolution)
    first, again, other = (SessionRenderer(session, photos, wall, seed) for seed in (1, 1, 2))
    assert np.array_equal(first.frame(10.0), again.frame(10.0))
    assert not np.array_equal(first.frame(10.0), other.frame(10.0))
    assert first.frame(10.0).shape == (480, 640, 3)
    assert first.segment_at(10.0).scene == "second_face" and first.segment_at(20.0).scene == "present"


def test_smoke_run_scores_real_pipeline_output(suite: ProctoringSuite, tmp_path: Path) -> None:
    smoke = suite.model_copy(update={"sessions": [s for s in suite.sessions if s.id in SMOKE]})
    results = run_suite(smoke)
    by_id = {r.task: r for r in results}
    assert set(by_id) == set(SMOKE)
    clean = by_id["clean-steady"]
    assert clean.detected == [] and clean.reward == 1.0 and clean.category is None
    for session_id in ("no-face-breaks", "camera-covered"):
        result = by_id[session_id]
        assert len(result.matches) == len(result.labelled) == 2, result.failures
        assert all(m["iou"] >= 0.3 for m in result.matches) and result.reward == 1.0
    assert all(r.frames == r.duration_s * smoke.sample_fps and r.fps > 0 for r in results)
    metrics = headline(results)
    assert metrics["clean_false_events"] == 0.0
    assert metrics["f1.no_face"] == metrics["f1.camera_blocked"] == metrics["micro_f1"] == 1.0
    write_run(tmp_path, smoke, results, trials=1, parallel=1)
    lines = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert [line["task"] for line in lines] == [r.task for r in results]
    assert all({"task", "trial", "reward", "category"} <= set(line) for line in lines)
    report = (tmp_path / "report.md").read_text()
    assert "| no_face | 2 | 2 | 2 | 0 | 0 | 1.000 | 1.000 | 1.000 |" in report
    for plot in ("f1_by_type.png", "timelines.png", "fps_by_session.png"):
        assert (tmp_path / plot).read_bytes()[:4] == b"\x89PNG"


def test_cli_entry_point_advances_its_progress_and_notes_the_ignored_model_group(tmp_path: Path) -> None:
    with Progress(disable=True) as progress:
        metrics = run_cli(
            SUITES_DIR / "proctoring.yaml",
            model_group="copilot",
            trials=2,
            pattern="clean-live-*",
            output=tmp_path,
            parallel=2,
            progress=progress,
        )
        (task,) = progress.tasks
    assert task.completed == task.total == 2
    assert metrics["clean_false_events"] == 0.0 and metrics["mean_reward"] == 1.0
    lines = (tmp_path / "results.jsonl").read_text().splitlines()
    assert [json.loads(line)["seed"] for line in lines] == [103, 103 + 7919]
    assert "`--model-group copilot` ignored" in (tmp_path / "report.md").read_text()
