"""Proctoring: speech on a recording's audio track (`speech_detected` events from source `audio`), and
whether the audio was checked (None: live frames; False: the recording had no audio track).

Revision ID: 0019_proctoring_audio_checked
Revises: 0008_proctoring
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_proctoring_audio_checked"
down_revision = "0008_proctoring"
branch_labels = None
depends_on = None

BEFORE = ("no_face", "multiple_faces", "looking_away", "camera_blocked", "tab_hidden", "window_blur",
          "copy", "paste", "fullscreen_exit", "multiple_displays")
AFTER = (*BEFORE, "speech_detected")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _constraints(types: tuple[str, ...], sources: tuple[str, ...]) -> None:
    op.drop_constraint("ck_proctoring_events_type", "proctoring_events", type_="check")
    op.drop_constraint("ck_proctoring_events_source", "proctoring_events", type_="check")
    op.create_check_constraint("ck_proctoring_events_type", "proctoring_events", _in("type", types))
    op.create_check_constraint("ck_proctoring_events_source", "proctoring_events", _in("source", sources))


def upgrade() -> None:
    op.add_column("proctoring_sessions", sa.Column("audio_checked", sa.Boolean()))
    _constraints(AFTER, ("video", "browser", "audio"))


def downgrade() -> None:
    op.execute("DELETE FROM proctoring_events WHERE source = 'audio'")
    _constraints(BEFORE, ("video", "browser"))
    op.drop_column("proctoring_sessions", "audio_checked")
