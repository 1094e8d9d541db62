"""The LLM gateway: LiteLLM's Router behind tenant policy, budgets, limits, cache and a usage ledger."""

import os

# LiteLLM fetches its cost map from the network at import unless told otherwise.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
