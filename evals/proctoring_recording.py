"""Recordings with a soundtrack for the proctoring eval (and the tests): speech from Debian's espeak-ng
mixed with room noise, muxed as AAC beside H.264 through PyAV, as a webcam recorder writes them."""

import shutil
import subprocess
import tempfile
import wave
from collections.abc import Iterable, Sequence
from pathlib import Path

import av
import numpy as np
from numpy.typing import NDArray

from proctoring.sources import Image

AUDIO_RATE = 16_000
Samples = NDArray[np.float32]


class EspeakMissing(RuntimeError):
    """Speech needs Debian's espeak-ng package (`.ci/run` installs it)."""


def espeak(text: str, words_per_minute: int = 150) -> Samples:
    """``text`` spoken by espeak-ng, mono float samples at AUDIO_RATE."""
    if shutil.which("espeak-ng") is None:
        raise EspeakMissing("espeak-ng is missing: apt-get install espeak-ng")
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "speech.wav"
        subprocess.run(["espeak-ng", "-s", str(words_per_minute), "-w", str(path), text],
                       check=True, capture_output=True)
        with wave.open(str(path)) as reader:
            rate = reader.getframerate()
            samples = np.frombuffer(reader.readframes(reader.getnframes()), np.int16)
    positions = np.arange(0, len(samples), rate / AUDIO_RATE)
    return (np.interp(positions, np.arange(len(samples)), samples) / 32768.0).astype(np.float32)


def soundtrack(seconds: float, voices: Sequence[tuple[float, Samples]], noise: float = 0.02,
               gain: float = 0.8, seed: int = 11) -> Samples:
    """``seconds`` of room noise (white, amplitude ``noise``) with each (start_s, speech) mixed in."""
    rng = np.random.default_rng(seed)
    track = (rng.standard_normal(round(seconds * AUDIO_RATE)) * noise).astype(np.float32)
    for start_s, voice in voices:
        at = round(start_s * AUDIO_RATE)
        end = min(len(track), at + len(voice))
        track[at:end] += gain * voice[: end - at]
    return np.clip(track, -1, 1)


def write_mp4(path: Path, frames: Iterable[Image], size: tuple[int, int], fps: int, audio: Samples | None,
              gop: int = 60) -> Path:
    """An H.264 .mp4 of the BGR ``frames`` at ``fps``; ``audio`` (mono, AUDIO_RATE) as an AAC track."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        stream.options = {"g": str(gop), "preset": "veryfast", "crf": "23"}
        sound = container.add_stream("aac", rate=AUDIO_RATE, layout="mono") if audio is not None else None
        for frame in frames:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="bgr24")))
        container.mux(stream.encode())
        if sound is not None and audio is not None:
            for start in range(0, len(audio), 1024):
                chunk = av.AudioFrame.from_ndarray(audio[np.newaxis, start:start + 1024], format="flt",
                                                   layout="mono")
                chunk.sample_rate, chunk.pts = AUDIO_RATE, start
                container.mux(sound.encode(chunk))
            container.mux(sound.encode())
    return path
