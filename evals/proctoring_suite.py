"""The proctoring eval: render labelled sessions, run them through the production analysis, score events.

Recorded sessions take the worker's path (`proctoring.tasks`): an MJPG recording (H.264 with an AAC
soundtrack when the session has audio) analysed by
`proctoring.recorded.analyse_recording` with the deployment's `DetectorSettings` (time ranges on
every core), signals as `FrameSignal` rows re-segmented on completion. Live sessions take the API's path
(`proctoring.sessions.add_frame`): JPEG frames decoded and read by the shared `extractor_for`
detectors (no landmark tracking). Both end in `resegment` plus the browser reports, as
`complete_session` does, without the database.
"""

import json
import math
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import cv2
from rich.progress import Progress

from evals.kinds import select_by_id
from evals.proctoring_metrics import Counts, Span, counts_by_type, match_events, total
from evals.proctoring_recording import espeak, soundtrack, write_mp4
from evals.proctoring_scenes import SessionRenderer, load_background, load_photo
from evals.proctoring_spec import ProctoringSuite, SessionSpec, load_proctoring_suite
from proctoring.analysis import extractor_for, resegment, signal_row
from proctoring.browser import BrowserEvent, merge_timeline
from proctoring.detectors.face_identity import Embedding
from proctoring.enrolment import embed_photo
from proctoring.events import ProctoringEvent
from proctoring.models import FrameSignal
from proctoring.policy import DetectorSettings, ProctoringPolicy
from proctoring.recorded import analyse_recording as analyse_recording_path
from proctoring.sources import decode_jpeg

TRIAL_SEED_STEP = 7919  # trial k renders with seed + k * step: new sway and sensor noise, same story
LIVE_JPEG_QUALITY = 85


@dataclass
class SessionResult:
    """One line of results.jsonl: a session trial, its events and its score."""

    task: str
    trial: int
    reward: float
    category: str | None
    failures: list[str]
    session_category: str
    source: str
    seed: int
    labelled: list[dict[str, Any]]
    detected: list[dict[str, Any]]
    matches: list[dict[str, Any]]
    counts: dict[str, dict[str, int]]
    duration_s: float
    frames: int
    analysis_s: float
    cpu_s: float
    fps: float


@dataclass
class Analysis:
    """What the pipeline made of one rendered session."""

    events: list[ProctoringEvent]
    frames: int
    seconds: float
    cpu_seconds: float


def _browser(session: SessionSpec) -> list[BrowserEvent]:
    return [BrowserEvent(type=b.type, start_s=b.start, end_s=b.end) for b in session.browser]


def enrolment(renderer: SessionRenderer) -> Embedding | None:
    """The embedding of the candidate's enrolment photo, as the enrolment API computes it."""
    if not renderer.session.enrolment:
        return None
    return embed_photo(cv2.imencode(".jpg", renderer.enrolment_photo())[1].tobytes())[0]


def _write(renderer: SessionRenderer, directory: Path) -> Path:
    """The session as an MJPG .avi, or with a soundtrack as an H.264 + AAC .mp4."""
    session = renderer.session
    if session.audio:
        voices = [(voice.at, espeak(voice.text)) for voice in session.voices]
        audio = soundtrack(session.duration, voices, session.noise, seed=session.seed)
        frames = (image for _, image in renderer.frames(session.fps))
        path = directory / f"{session.id}.mp4"
        return write_mp4(path, frames, session.resolution, round(session.fps), audio)
    path = directory / f"{session.id}.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), session.fps, session.resolution)
    for _, image in renderer.frames(session.fps):
        writer.write(image)
    writer.release()
    return path


def analyse_recording(renderer: SessionRenderer, sample_fps: float, policy: ProctoringPolicy) -> Analysis:
    """The worker's path over the session's recording, checked against the enrolment photo if any."""
    reference = enrolment(renderer)
    with tempfile.TemporaryDirectory(prefix="cognify-eval-") as directory:
        path = _write(renderer, Path(directory))
        session_id = uuid4()
        started, cpu = time.perf_counter(), time.process_time()
        parts: dict[int, list[FrameSignal]] = defaultdict(list)
        recorded = analyse_recording_path(
            path, sample_fps, policy, DetectorSettings(),
            lambda index, signals, _: parts[index].append(signal_row(session_id, signals, None)),
            reference,
        )
        rows = [row for index in sorted(parts) for row in parts[index]]
        events = resegment(rows, policy, recorded.duration_s) + (recorded.speech or [])
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return Analysis(merge_timeline(events, _browser(renderer.session)), len(rows), seconds, cpu)


def analyse_live(renderer: SessionRenderer, sample_fps: float, policy: ProctoringPolicy) -> Analysis:
    """The API's path: the exam page posts a JPEG every 1/sample_fps s, then finishes the session."""
    session = renderer.session
    posted = [
        (t, cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, LIVE_JPEG_QUALITY])[1].tobytes())
        for t, image in renderer.frames(sample_fps)
    ]
    extractor, reference = extractor_for(policy), enrolment(renderer)
    interval = DetectorSettings().identity_interval_s
    session_id = uuid4()
    started, cpu = time.perf_counter(), time.process_time()
    rows, checked = [], None  # the interval of the last identity check (`sessions._identity_due`)
    for t, data in posted:
        due = reference is not None and checked != math.floor(t / interval + 1e-9)
        signals = extractor.extract(decode_jpeg(data), t, reference if due else None)
        row = signal_row(session_id, signals, None)
        if row.identity_distance is not None:
            checked = math.floor(t / interval + 1e-9)
        rows.append(row)
    duration_s = rows[-1].t + 1.0 / sample_fps
    events = resegment(rows, policy, duration_s)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return Analysis(merge_timeline(events, _browser(session)), len(rows), seconds, cpu)


def score_session(
    suite: ProctoringSuite, session: SessionSpec, trial: int, seed: int, analysis: Analysis
) -> SessionResult:
    """Match the detected events to the labelled ones; the reward is the session's F1 (1 when both
    are empty)."""
    labelled = [Span(e.type.value, e.start, e.end) for e in session.events]
    detected = [Span(e.type.value, e.start_s, e.end_s) for e in analysis.events]
    matching = match_events(labelled, detected, suite.iou_threshold, suite.point_tolerance_s)
    counts = counts_by_type(matching)
    f1 = total(counts.values()).f1
    failures = [f"missed {s.type} {s.start:g}-{s.end:g}s" for s in matching.missed]
    failures += [f"false {s.type} {s.start:g}-{s.end:g}s" for s in matching.false]
    category = None
    if matching.missed or matching.false:
        first = matching.missed[0] if matching.missed else matching.false[0]
        category = f"{'missed' if matching.missed else 'false'}:{first.type}"
    return SessionResult(
        task=session.id,
        trial=trial,
        reward=round(1.0 if f1 is None else f1, 4),
        category=category,
        failures=failures,
        session_category=session.category,
        source=session.source,
        seed=seed,
        labelled=[asdict(s) for s in labelled],
        detected=[
            {**asdict(s), "confidence": e.confidence} for s, e in zip(detected, analysis.events, strict=True)
        ],
        matches=[
            {
                "type": m.labelled.type,
                "labelled": [m.labelled.start, m.labelled.end],
                "detected": [m.detected.start, m.detected.end],
                "iou": m.iou,
            }
            for m in matching.matches
        ],
        counts={t: asdict(c) for t, c in sorted(counts.items())},
        duration_s=session.duration,
        frames=analysis.frames,
        analysis_s=round(analysis.seconds, 3),
        cpu_s=round(analysis.cpu_seconds, 3),
        fps=round(analysis.frames / analysis.seconds, 1) if analysis.seconds > 0 else 0.0,
    )


def select_sessions(suite: ProctoringSuite, pattern: str | None) -> list[SessionSpec]:
    """The suite's sessions whose id matches the glob `pattern` (all when None)."""
    return select_by_id(suite.sessions, pattern, "session", suite.name)


def run_suite(
    suite: ProctoringSuite,
    *,
    trials: int = 1,
    pattern: str | None = None,
    parallel: int = 1,
    on_result: Callable[[SessionResult], None] | None = None,
) -> list[SessionResult]:
    """Every selected session, `trials` times (a new seed each), through the pipeline, scored."""
    if trials < 1 or parallel < 1:
        raise ValueError("trials and parallel must be at least 1")
    sessions = select_sessions(suite, pattern)
    photos = {name: load_photo(spec) for name, spec in suite.photos.items()}
    walls = {name: load_background(spec, (640, 480)) for name, spec in suite.backgrounds.items()}
    policy = ProctoringPolicy()

    def run(job: tuple[SessionSpec, int]) -> SessionResult:
        session, trial = job
        seed = session.seed + TRIAL_SEED_STEP * trial
        wall = walls[session.background]
        if wall.shape[1::-1] != session.resolution:
            wall = cv2.resize(wall, session.resolution, interpolation=cv2.INTER_AREA)
        renderer = SessionRenderer(session, photos, wall, seed)
        analyse = analyse_live if session.source == "live" else analyse_recording
        result = score_session(suite, session, trial, seed, analyse(renderer, suite.sample_fps, policy))
        if on_result is not None:
            on_result(result)
        return result

    jobs = [(session, trial) for session in sessions for trial in range(trials)]
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        return list(pool.map(run, jobs))


def write_run(
    output: Path,
    suite: ProctoringSuite,
    results: list[SessionResult],
    *,
    trials: int,
    parallel: int,
    ignored_model_group: str | None = None,
) -> None:
    """results.jsonl, report.md and the plots of a run under `output`."""
    from evals.proctoring_report import write_report

    output.mkdir(parents=True, exist_ok=True)
    with (output / "results.jsonl").open("w") as handle:
        for result in results:
            handle.write(json.dumps(asdict(result)) + "\n")
    write_report(
        output,
        suite,
        results,
        headline(results),
        trials=trials,
        parallel=parallel,
        ignored_model_group=ignored_model_group,
    )


def type_counts(results: list[SessionResult]) -> dict[str, Counts]:
    """TP, FP and FN per event type over every result."""
    counts: dict[str, Counts] = {}
    for result in results:
        for event_type, tally in result.counts.items():
            counts.setdefault(event_type, Counts()).add(Counts(**tally))
    return dict(sorted(counts.items()))


def headline(results: list[SessionResult]) -> dict[str, float]:
    """The numbers the CLI prints: micro P/R/F1, per-type F1, false events on clean sessions, fps
    (frames per wall second of analysis, and per CPU second of the process, which a busy machine
    does not lower)."""
    counts = type_counts(results)
    overall = total(counts.values())
    frames = sum(r.frames for r in results)
    seconds = sum(r.analysis_s for r in results)
    cpu_seconds = sum(r.cpu_s for r in results)
    metrics = {
        "mean_reward": sum(r.reward for r in results) / len(results),
        "micro_precision": overall.precision or 0.0,
        "micro_recall": overall.recall or 0.0,
        "micro_f1": overall.f1 or 0.0,
        "clean_false_events": float(sum(len(r.detected) for r in results if not r.labelled)),
        "fps": frames / seconds if seconds else 0.0,
        "fps_per_cpu_second": frames / cpu_seconds if cpu_seconds else 0.0,
    }
    metrics.update({f"f1.{t}": c.f1 for t, c in counts.items() if c.f1 is not None})
    return {k: round(v, 4) for k, v in metrics.items()}


def run_cli(
    path: Path,
    *,
    model_group: str | None,
    trials: int,
    pattern: str | None,
    output: Path,
    parallel: int,
    progress: Progress,
) -> dict[str, float]:
    """`cognify eval run proctoring`: the suite with a progress bar; `model_group` does not apply."""
    suite = load_proctoring_suite(path)
    bar = progress.add_task(
        f"{suite.name} (proctoring pipeline)", total=len(select_sessions(suite, pattern)) * trials
    )

    def advance(_: SessionResult) -> None:
        progress.advance(bar)

    results = run_suite(suite, trials=trials, pattern=pattern, parallel=parallel, on_result=advance)
    write_run(output, suite, results, trials=trials, parallel=parallel, ignored_model_group=model_group)
    return headline(results)
