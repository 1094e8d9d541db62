"""Course-content retrieval: chunking, embeddings, pgvector + full-text hybrid search, indexing.

Embedding spaces: every embedding model gets its own table with its own `vector(N)` column and
HNSW cosine index, listed in `vector.spaces.SPACES`; the default model (all-MiniLM-L6-v2, 384
dimensions) lives in `content_chunks`. A table never mixes models: its `embedding_model` column
is pinned by a CHECK constraint, so a deployment with other dimensions (or another model of the
same dimension) needs a new space, a migration creating its table, and a re-index.
"""
