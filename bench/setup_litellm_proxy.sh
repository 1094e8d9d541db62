#!/usr/bin/env bash
# A throwaway venv with LiteLLM's own proxy server, for bench/gateway_overhead.py only.
# Never part of the project's dependencies.
set -euo pipefail
VENV="${LITELLM_PROXY_VENV:-/tmp/litellm-proxy-venv}"
uv venv --python 3.11 "$VENV"
uv pip install --python "$VENV/bin/python" "litellm[proxy]==1.100.0"
echo "$VENV/bin/litellm"
