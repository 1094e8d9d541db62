"""Prometheus metrics shared by the API; feature packages define their own beside their code."""

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from prometheus_client import REGISTRY, Counter, Histogram, Metric
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

HTTP_REQUESTS = Counter(
    "cognify_http_requests_total", "HTTP requests by route, method and status",
    ["route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "cognify_http_request_seconds", "HTTP request latency by route", ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def children_state() -> dict[str, dict[str, Any]]:
    """The supervised processes' states `cognify up` writes (empty when not run by `up`)."""
    path = os.environ.get("COGNIFY_SUPERVISOR_STATE")
    if not path:
        return {}
    try:
        return dict(json.loads(Path(path).read_text()))
    except (OSError, ValueError):
        return {}


class ChildrenCollector(Collector):
    """`cognify_child_up` and `cognify_child_restarts_total` per process `cognify up` supervises."""

    def collect(self) -> Iterator[Metric]:
        """Read the supervisor's state file at scrape time."""
        up = GaugeMetricFamily("cognify_child_up", "Whether a supervised process is running",
                               labels=["child"])
        restarts = CounterMetricFamily("cognify_child_restarts", "Restarts of a supervised process",
                                       labels=["child"])
        for name, child in children_state().items():
            up.add_metric([name], 1.0 if child.get("state") == "running" else 0.0)
            restarts.add_metric([name], float(child.get("restarts", 0)))
        yield up
        yield restarts


REGISTRY.register(ChildrenCollector())
