"""Eye direction relative to the head, from FaceMesh's refined iris landmarks.

Each eye's iris centre is placed in the eye's own frame: the axis between its two corners, and the
normal to it. Its offset from the eye's centre, in half eye-widths, turns into an angle on a
spherical eyeball: a palpebral fissure is about 30 mm wide and an eyeball's radius about 12 mm, so
an offset of 0.4 half-widths (6 mm) is a rotation of about 30 degrees. Both eyes are averaged. The
angles are relative to the head, so they add nothing where the head pose already says "turned".

Measured on real photos with the irises moved inside the eye opening (tests/proctoring/
proctoring_media.py ``look``), the horizontal angle follows the eyes monotonically (astronaut: -37 to
+35 degrees for an iris moved a third of the eye's width either way; grace_hopper behind glasses: -13
to +25). Moving the iris vertically barely moves the reading (the lids cover most of it), so vertical
gaze only catches large movements and its default threshold is generous.
"""

import math

import numpy as np
from numpy.typing import NDArray

EYE_HALF_WIDTH_MM = 15.0
EYEBALL_RADIUS_MM = 12.0
# At rest the iris centre sits above the line between the eye corners: about 8 degrees on both test
# photos (grace_hopper, astronaut) looking into the camera, so pitch is measured from there.
REST_PITCH_DEG = -8.0

# (iris centre, corner on image-left, corner on image-right) per eye, in FaceMesh's 478-point numbering.
EYES: tuple[tuple[int, int, int], ...] = ((468, 33, 133), (473, 362, 263))
GAZE_LANDMARKS: tuple[int, ...] = tuple(sorted({i for eye in EYES for i in eye}))


def _angle(offset: float) -> float:
    return math.degrees(math.asin(max(-1.0, min(1.0, offset * EYE_HALF_WIDTH_MM / EYEBALL_RADIUS_MM))))


def gaze_angles(points: dict[int, NDArray[np.float64]]) -> tuple[float, float] | None:
    """(yaw, pitch) of the eyes in degrees relative to the head, positive to image-right and down;
    None when an eye is too small to read (under 4 px wide)."""
    offsets = []
    for iris, left, right in EYES:
        axis = points[right] - points[left]
        half_width = float(np.linalg.norm(axis)) / 2
        if half_width < 2.0:
            return None
        along = axis / (2 * half_width)
        normal = np.array([-along[1], along[0]])
        from_centre = points[iris] - (points[left] + points[right]) / 2
        offsets.append((float(from_centre @ along) / half_width, float(from_centre @ normal) / half_width))
    horizontal = sum(h for h, _ in offsets) / len(offsets)
    vertical = sum(v for _, v in offsets) / len(offsets)
    return round(_angle(horizontal), 2), round(_angle(vertical) - REST_PITCH_DEG, 2)
