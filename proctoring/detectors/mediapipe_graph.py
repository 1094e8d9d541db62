"""MediaPipe solutions whose graph runs its calculators on one thread of its own.

A solution's graph gets a thread pool as large as the machine's cores by default. Our graphs are
small chains (resize, one TFLite model, post-processing) that a frame walks in order, so the extra
threads only wake each other: measured on a 2-core machine, one range of a recording went from 52
to 69 analysed frames/s with one executor thread (`bench/recorded_analysis.py`). Several ranges
side by side fill the cores instead. The hook is `SolutionBase._initialize_graph_interface`, which
builds the graph's config; mediapipe is pinned (0.10.21) where this private method is stable.
"""

from functools import cache
from typing import Any, TypeVar

SolutionT = TypeVar("SolutionT")


@cache
def one_executor_thread(solution: type[SolutionT]) -> type[SolutionT]:
    """A subclass of the MediaPipe ``solution`` class (FaceDetection, FaceMesh) with one executor thread."""

    def _initialize_graph_interface(self: Any, *args: Any, **kwargs: Any) -> Any:
        config = super(subclass, self)._initialize_graph_interface(*args, **kwargs)  # type: ignore[misc]
        del config.executor[:]  # the default executor's entry (empty options: one thread per core)
        config.num_threads = 1
        return config

    subclass = type(solution.__name__, (solution,),
                    {"_initialize_graph_interface": _initialize_graph_interface})
    return subclass
