"""Small SQL helpers shared by indexing and retrieval."""

from collections.abc import Sequence

import numpy as np


def vector_literal(values: Sequence[float] | np.ndarray) -> str:
    """pgvector's text form, `[x,y,...]`, for `CAST(:v AS vector)`."""
    return "[" + ",".join(f"{float(v):.7g}" for v in values) + "]"
