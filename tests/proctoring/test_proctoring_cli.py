"""`proctor analyze`: table, one JSON object, and exit code 2 for unreadable videos."""

import json
import subprocess
import sys
from pathlib import Path

import cv2
import pytest
from matplotlib import get_data_path
from proctoring_media import Scenes, VideoMaker
from typer.testing import CliRunner

from proctoring.cli import app

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def session_video(make_video: VideoMaker, scenes: Scenes) -> Path:
    return make_video("cli_session", [(4, scenes.frontal), (5, scenes.empty), (3, scenes.frontal)])


def test_json_output_is_one_object(session_video: Path) -> None:
    result = CliRunner().invoke(app, ["analyze", str(session_video), "--json", "--sample-fps", "2"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert set(payload) == {
        "duration_s",
        "frames_analyzed",
        "sample_fps",
        "processing_s",
        "events",
        "integrity_score",
        "flagged",
        "audio_checked",
        "identity_checked",
    }
    assert payload["audio_checked"] is False and payload["identity_checked"] is False  # an .avi, no photo
    assert payload["frames_analyzed"] == 24
    assert [event["type"] for event in payload["events"]] == ["no_face"]


def test_sample_fps_option_changes_sampling(session_video: Path) -> None:
    result = CliRunner().invoke(app, ["analyze", str(session_video), "--json", "--sample-fps", "1"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["sample_fps"] == 1.0 and payload["frames_analyzed"] == 12


def test_table_output(session_video: Path) -> None:
    result = CliRunner().invoke(app, ["analyze", str(session_video)])
    assert result.exit_code == 0, result.output
    assert "no_face" in result.stdout
    assert "FLAGGED" in result.stdout


@pytest.mark.parametrize("content", [b"", b"this is not a video\n" * 50])
def test_unreadable_video_exits_2_with_one_line(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(content)
    result = CliRunner().invoke(app, ["analyze", str(bad), "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1


def test_an_enrolment_photo_checks_identity_and_a_bad_one_exits_2(
    session_video: Path, tmp_path: Path, scenes: Scenes
) -> None:
    photo = Path(get_data_path()) / "sample_data" / "grace_hopper.jpg"
    arguments = ["analyze", str(session_video), "--json", "--enrolment-photo", str(photo)]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["identity_checked"] is True and [e["type"] for e in payload["events"]] == ["no_face"]
    nobody = tmp_path / "empty_room.jpg"
    cv2.imwrite(str(nobody), scenes.empty)
    for bad in (nobody, tmp_path / "missing.jpg"):
        refused = CliRunner().invoke(app, ["analyze", str(session_video), "--enrolment-photo", str(bad)])
        assert refused.exit_code == 2 and refused.stderr.startswith("error: "), refused.output


def test_module_entry_point_prints_only_json(session_video: Path, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "proctoring.cli", "analyze"]
    good = subprocess.run([*command, str(session_video), "--json"], capture_output=True, cwd=REPO_ROOT)
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["events"][0]["type"] == "no_face"
    assert good.stdout.decode().count("\n") == 1
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x13" * 2048)
    bad = subprocess.run([*command, str(corrupt), "--json"], capture_output=True, cwd=REPO_ROOT)
    assert bad.returncode == 2
    assert bad.stdout == b""
    assert bad.stderr.decode().splitlines() == [f"error: {corrupt}: not a readable video"]
