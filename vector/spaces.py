"""Embedding spaces: which table (and HNSW index) holds the vectors of which model."""

from dataclasses import dataclass
from types import MappingProxyType

from cognify.errors import ConfigurationError
from vector.local_model import DIMENSIONS, MODEL_NAME

# Search tuning, measured at 100k chunks by bench/retrieval.py (recall@10 against exact search):
# HNSW candidates per pass for a search over all of a tenant's chunks, and for a filtered one
# (courses, content types, locked modules), whose filters drop candidates after the index scan.
EF_SEARCH = 64
FILTERED_EF_SEARCH = 128
# At most this many chunks in scope (tenant and filters), search exactly instead of through HNSW.
# Exact search reads ~2.5 ms per 1,000 chunks. A filter keeping under ~8% of the index makes the
# HNSW scan wade through the rest: at 8,000 of 100,000 chunks it is no faster and finds 9 in 10.
EXACT_SEARCH_MAX_ROWS = 8000


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
