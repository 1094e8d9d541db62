"""Certification tests reuse the proctoring API's exam set-up."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "proctoring_api"))
