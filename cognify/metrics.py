"""Prometheus metrics shared by the API; feature packages define their own beside their code."""

from prometheus_client import Counter, Histogram

HTTP_REQUESTS = Counter(
    "cognify_http_requests_total", "HTTP requests by route, method and status",
    ["route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "cognify_http_request_seconds", "HTTP request latency by route", ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
