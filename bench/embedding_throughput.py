"""Embedding throughput of the local all-MiniLM-L6-v2 int8 ONNX model: chunks per second.

Chunks are real chunker output (~160 words each, about 200 tokens), embedded in the model's batches,
directly and through the LiteLLM custom provider (`cognify-local/all-minilm-l6-v2`). Shared machines
skew wall-clock rates, so the report adds the load average and chunks per CPU-second of this process.

Run: uv run python bench/embedding_throughput.py [--chunks 512]
"""

import argparse
import asyncio
import json
import os
import time

import numpy as np

from vector.chunking import chunk_markdown
from vector.embedder import LiteLLMEmbedder
from vector.local_model import local_model

SENTENCES = [
    "Ohm's law states that the current through a conductor is proportional to the voltage.",
    "Chloroplasts capture light energy and store it as glucose during photosynthesis.",
    "A derivative measures how a function changes as its input changes.",
    "The French Revolution began in 1789 and reshaped European politics.",
    "Supply and demand together determine the market price of a good.",
]


def sample_chunks(n: int, rng: np.random.Generator) -> list[str]:
    """n chunk texts of realistic length built from course-like sentences."""
    chunks: list[str] = []
    while len(chunks) < n:
        body = "# Lesson\n\n" + " ".join(rng.choice(SENTENCES, 60))
        chunks += [c.text for c in chunk_markdown(body, title="Course")]
    return chunks[:n]


def main() -> None:
    """Warm up, then time direct and LiteLLM-routed embedding."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=512)
    args = parser.parse_args()
    chunks = sample_chunks(args.chunks, np.random.default_rng(3))
    model = local_model()
    model.encode(chunks[:32])
    load_before = os.getloadavg()
    started, cpu_started = time.perf_counter(), time.process_time()
    model.encode(chunks)
    direct, direct_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    embedder = LiteLLMEmbedder()
    asyncio.run(embedder.embed(chunks[:8]))
    started = time.perf_counter()
    asyncio.run(embedder.embed(chunks))
    routed = time.perf_counter() - started
    print(json.dumps({
        "chunks": len(chunks), "cpus": os.cpu_count(),
        "mean_tokens": round(model.count_tokens(chunks) / len(chunks), 1),
        "direct_chunks_per_s": round(len(chunks) / direct, 1),
        "direct_chunks_per_cpu_s": round(len(chunks) / direct_cpu, 1),
        "litellm_chunks_per_s": round(len(chunks) / routed, 1),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
    }, indent=2))


if __name__ == "__main__":
    main()
