"""PNG charts for eval reports (matplotlib's Agg canvas: no display, no pyplot global state, thread-safe).

Any suite kind may use them: `bar_chart` for per-task or per-category values, `line_chart` for curves.
"""

from collections.abc import Sequence
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

WIDTH = 7.0
DPI = 100


def _save(figure: Figure, path: Path) -> Path:
    FigureCanvasAgg(figure)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", dpi=DPI)
    return path


def bar_chart(
    path: Path,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    xlabel: str,
    color: str | Sequence[str] = "#4C72B0",
) -> Path:
    """Horizontal bars from 0, one per label (top to bottom in the given order), each value written;
    `color` is one colour or one per bar."""
    figure = Figure(figsize=(WIDTH, max(2.0, 0.8 + 0.28 * len(labels))))
    axes = figure.add_subplot()
    positions = list(range(len(labels)))
    bars = axes.barh(positions, list(values), color=color)
    axes.set_yticks(positions, list(labels), fontsize=8)
    axes.invert_yaxis()
    axes.bar_label(bars, fmt="%g", fontsize=7, padding=2)
    axes.set_title(title)
    axes.set_xlabel(xlabel)
    axes.set_xlim(0, (max(values, default=0) or 1) * 1.15)
    return _save(figure, path)


def line_chart(
    path: Path,
    x: Sequence[float],
    series: dict[str, Sequence[float]],
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    ylim: tuple[float, float] | None = None,
) -> Path:
    """One marked line per named series over the shared `x` values."""
    figure = Figure(figsize=(WIDTH, 4.0))
    axes = figure.add_subplot()
    for name, ys in series.items():
        axes.plot(list(x), list(ys), marker="o", label=name)
    axes.set_xticks(list(x))
    axes.set_title(title)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    if ylim is not None:
        axes.set_ylim(*ylim)
    axes.grid(alpha=0.3)
    if len(series) > 1:
        axes.legend()
    return _save(figure, path)
