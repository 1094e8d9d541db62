"""Embedding spaces: which table (and HNSW index) holds the vectors of which model."""

from dataclasses import dataclass
from types import MappingProxyType

from cognify.errors import ConfigurationError
from vector.local_model import DIMENSIONS, MODEL_NAME

# Searched HNSW candidates per query; recall@10 vs exact at 100k chunks: see bench/retrieval.py.
EF_SEARCH = 64


@dataclass(frozen=True)
class EmbeddingSpace:
    """One embedding model's vectors: its own table, `vector(dimensions)` column and HNSW index."""

    model: str
    dimensions: int
    table: str


SPACES = MappingProxyType({
    MODEL_NAME: EmbeddingSpace(MODEL_NAME, DIMENSIONS, "content_chunks"),
})


def space_for(model: str) -> EmbeddingSpace:
    """The space of an embedding model; a model without a table is a configuration error."""
    try:
        return SPACES[model]
    except KeyError:
        raise ConfigurationError(
            f"no chunk table for embedding model {model!r}; add a migration and a vector.spaces entry"
        ) from None
