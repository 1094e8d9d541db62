"""The local all-MiniLM-L6-v2 ONNX model: real vectors, normalised, meaningful, reachable via LiteLLM."""

import asyncio

import numpy as np

from vector.embedder import LiteLLMEmbedder
from vector.local_model import DIMENSIONS, local_model


def test_vectors_are_unit_length_and_384_dimensional() -> None:
    vectors = local_model().encode(["hello world", "a much longer sentence about linear algebra " * 3])
    assert vectors.shape == (2, DIMENSIONS)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_paraphrases_are_closer_than_unrelated_sentences() -> None:
    a, b, c, d = local_model().encode([
        "How do I reset my password?",
        "What are the steps to change my login credentials?",
        "Mitochondria produce most of the cell's energy.",
        "The cell's power comes largely from its mitochondria.",
    ])
    assert a @ b > a @ c + 0.3
    assert c @ d > c @ b + 0.3


def test_batching_with_padding_matches_single_encoding() -> None:
    texts = ["short", "a considerably longer sentence that forces padding of the short one"]
    batched = local_model().encode(texts)
    single = np.vstack([local_model().encode([t]) for t in texts])
    assert np.allclose(batched, single, atol=1e-4)


def test_long_input_is_truncated_not_rejected() -> None:
    [vector] = local_model().encode(["token " * 2000])
    assert np.isclose(np.linalg.norm(vector), 1.0, atol=1e-5)


def test_litellm_custom_provider_serves_the_same_vectors() -> None:
    [via_litellm] = asyncio.run(LiteLLMEmbedder().embed(["Ohm's law relates voltage and current."]))
    direct = local_model().encode(["Ohm's law relates voltage and current."])[0]
    assert len(via_litellm) == DIMENSIONS
    assert np.allclose(via_litellm, direct, atol=1e-6)
