"""Prometheus metrics of the gateway."""

from prometheus_client import Counter, Gauge, Histogram

_LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

REQUESTS = Counter("cognify_gateway_requests_total", "Gateway calls by group, deployment and outcome",
                   ["group", "deployment", "outcome"])
TOKENS = Counter("cognify_gateway_tokens_total", "Tokens by group, deployment and kind",
                 ["group", "deployment", "kind"])
COST = Counter("cognify_gateway_cost_usd_total", "Cost in USD by group and deployment",
               ["group", "deployment"])
LATENCY = Histogram("cognify_gateway_latency_seconds", "Call latency by group and deployment",
                    ["group", "deployment"], buckets=_LATENCY_BUCKETS)
TTFT = Histogram("cognify_gateway_ttft_seconds", "Time to first token of streamed calls",
                 ["group", "deployment"], buckets=_LATENCY_BUCKETS)
FALLBACKS = Counter("cognify_gateway_fallbacks_total", "Calls answered by a fallback group", ["group"])
CACHE_HITS = Counter("cognify_gateway_cache_hits_total", "Exact-cache hits", ["group"])
REFUSALS = Counter("cognify_gateway_refusals_total", "Calls refused by policy", ["reason"])
LEDGER_BACKLOG = Gauge("cognify_gateway_ledger_backlog",
                       "Settled calls whose ledger entry is not yet in PostgreSQL")
LEDGER_MOVED = Counter("cognify_gateway_ledger_moved_total", "Ledger entries moved to PostgreSQL")
