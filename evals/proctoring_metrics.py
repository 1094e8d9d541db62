"""Event matching at a temporal IoU threshold, and per-type precision, recall and F1."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Span:
    """An event on a timeline: its type and [start, end] in seconds (start == end for instants)."""

    type: str
    start: float
    end: float


def temporal_iou(a: Span, b: Span, point_tolerance_s: float = 1.0) -> float:
    """Overlap over union of two spans; two instants (copy, paste) count 1.0 within the tolerance."""
    if a.end <= a.start and b.end <= b.start:
        return 1.0 if abs(a.start - b.start) <= point_tolerance_s else 0.0
    overlap = max(0.0, min(a.end, b.end) - max(a.start, b.start))
    union = max(a.end, b.end) - min(a.start, b.start)
    return overlap / union if union > 0 else 0.0


@dataclass(frozen=True, slots=True)
class Match:
    """A labelled event paired with a detected one of the same type."""

    labelled: Span
    detected: Span
    iou: float


@dataclass
class Matching:
    """The one-to-one pairing of one session's events, and what stayed unpaired."""

    matches: list[Match] = field(default_factory=list)
    missed: list[Span] = field(default_factory=list)
    false: list[Span] = field(default_factory=list)


def match_events(
    labelled: Sequence[Span], detected: Sequence[Span], threshold: float = 0.3, point_tolerance_s: float = 1.0
) -> Matching:
    """Pair events of the same type greedily, highest IoU first; pairs below `threshold` do not count."""
    pairs = sorted(
        (
            (temporal_iou(want, got, point_tolerance_s), i, j)
            for i, want in enumerate(labelled)
            for j, got in enumerate(detected)
            if want.type == got.type
        ),
        key=lambda pair: (-pair[0], pair[1], pair[2]),
    )
    used_labels: set[int] = set()
    used_detections: set[int] = set()
    result = Matching()
    for iou, i, j in pairs:
        if iou < threshold or i in used_labels or j in used_detections:
            continue
        used_labels.add(i)
        used_detections.add(j)
        result.matches.append(Match(labelled[i], detected[j], round(iou, 3)))
    result.missed = [span for i, span in enumerate(labelled) if i not in used_labels]
    result.false = [span for j, span in enumerate(detected) if j not in used_detections]
    return result


@dataclass
class Counts:
    """True positives, false positives and false negatives of one event type."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: "Counts") -> None:
        """Accumulate another tally."""
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn

    @property
    def precision(self) -> float | None:
        """TP / (TP + FP); None when nothing was detected."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        """TP / (TP + FN); None when nothing was labelled."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        """2TP / (2TP + FP + FN); None when nothing was labelled or detected."""
        total = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / total if total else None


def counts_by_type(matching: Matching) -> dict[str, Counts]:
    """TP, FP and FN per event type of one matching."""
    counts: dict[str, Counts] = {}
    for items, kind in ((matching.matches, "tp"), (matching.missed, "fn"), (matching.false, "fp")):
        for item in items:
            event_type = item.labelled.type if isinstance(item, Match) else item.type
            tally = counts.setdefault(event_type, Counts())
            setattr(tally, kind, getattr(tally, kind) + 1)
    return counts


def total(counts: Iterable[Counts]) -> Counts:
    """The sum of several tallies (micro averaging)."""
    result = Counts()
    for tally in counts:
        result.add(tally)
    return result
