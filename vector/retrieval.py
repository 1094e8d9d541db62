"""Hybrid retrieval: HNSW cosine top-k + full-text top-k, fused by reciprocal rank (k = 60)."""

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import text
from sqlmodel import Session

from vector.embedder import Embedder, default_embedder
from vector.spaces import EF_SEARCH, space_for
from vector.sql import vector_literal

RRF_K = 60
CANDIDATES = 24  # per retriever, before fusion


@dataclass(frozen=True)
class RetrievedChunk:
    """A chunk that matched a query, with what a citation needs."""

    chunk_id: UUID
    content_block_id: UUID | None
    course_id: UUID
    module_id: UUID | None
    source_type: str
    content_type: str
    title: str
    heading_path: list[str]
    text: str
    score: float
    vector_rank: int | None
    text_rank: int | None


def _filters(course_ids: Sequence[UUID] | None, content_types: Sequence[str] | None,
             exclude_module_ids: Sequence[UUID] | None) -> tuple[str, dict[str, object]]:
    clauses, params = ["TRUE"], {}
    if course_ids is not None:
        clauses.append("course_id = ANY(:course_ids)")
        params["course_ids"] = list(course_ids)
    if content_types:
        clauses.append("content_type = ANY(:content_types)")
        params["content_types"] = list(content_types)
    if exclude_module_ids:
        clauses.append("(module_id IS NULL OR module_id <> ALL(:excluded_modules))")
        params["excluded_modules"] = list(exclude_module_ids)
    return " AND ".join(clauses), params


def _hybrid_sql(table: str, where: str) -> str:
    # Full text goes through the owner-run cognify_<table>_fts function so the GIN index is usable
    # under RLS (see migration 0007). Each retriever is bounded by LIMIT :candidates, fusion runs
    # over at most 2 * candidates ids, and only the final :limit rows are fetched (by primary key).
    return f"""
        WITH vec AS MATERIALIZED (
            SELECT id, embedding <=> CAST(:qvec AS vector) AS distance
            FROM {table} WHERE {where}
            ORDER BY distance LIMIT :candidates
        ), fts AS MATERIALIZED (
            SELECT id, rank_value FROM cognify_{table}_fts(
                :qtext, CAST(:fts_courses AS uuid[]), CAST(:fts_types AS text[]),
                CAST(:fts_excluded AS uuid[]), :candidates)
        ), ranked AS (
            SELECT id, row_number() OVER (ORDER BY distance) AS vector_rank, NULL::bigint AS text_rank
            FROM vec
            UNION ALL
            SELECT id, NULL, row_number() OVER (ORDER BY rank_value DESC, id) FROM fts
        ), fused AS (
            SELECT id, min(vector_rank) AS vector_rank, min(text_rank) AS text_rank,
                   sum(1.0 / (:rrf_k + COALESCE(vector_rank, text_rank))) AS score
            FROM ranked GROUP BY id
            ORDER BY score DESC, id LIMIT :limit
        )
        SELECT c.id, c.content_block_id, c.course_id, c.module_id, c.source_type, c.content_type,
               c.title, c.heading_path, c.text, fused.score, fused.vector_rank, fused.text_rank
        FROM fused JOIN {table} c ON c.id = fused.id
        ORDER BY fused.score DESC, c.id
    """


def tune_hnsw(session: Session, ef_search: int = EF_SEARCH) -> None:
    """Per-transaction HNSW settings: `ef_search` for recall, iterative scans so filters and RLS
    (which drop candidates after the index scan) still fill the top-k."""
    session.execute(
        text("SELECT set_config('hnsw.ef_search', :ef, true), "
             "set_config('hnsw.iterative_scan', 'relaxed_order', true)"),
        {"ef": str(ef_search)},
    )


def hybrid_search_by_vector(
    session: Session, table: str, query: str, query_vector: Sequence[float], *,
    course_ids: Sequence[UUID] | None, content_types: Sequence[str] | None = None,
    exclude_module_ids: Sequence[UUID] | None = None, limit: int = 8, candidates: int = CANDIDATES,
) -> list[RetrievedChunk]:
    """Hybrid search with a precomputed query vector (benchmarks, evals)."""
    if course_ids is not None and not course_ids:
        return []
    where, params = _filters(course_ids, content_types, exclude_module_ids)
    tune_hnsw(session, max(EF_SEARCH, candidates))
    rows = session.execute(text(_hybrid_sql(table, where)), {
        **params, "qvec": vector_literal(query_vector), "qtext": query, "rrf_k": RRF_K,
        "fts_courses": None if course_ids is None else list(course_ids),
        "fts_types": list(content_types) if content_types else None,
        "fts_excluded": list(exclude_module_ids) if exclude_module_ids else None,
        "candidates": candidates, "limit": limit,
    })
    return [RetrievedChunk(row.id, row.content_block_id, row.course_id, row.module_id, row.source_type,
                           row.content_type, row.title, list(row.heading_path), row.text, float(row.score),
                           row.vector_rank, row.text_rank) for row in rows]


async def search_content(
    session: Session, query: str, *, course_ids: Sequence[UUID] | None,
    content_types: Sequence[str] | None = None, exclude_module_ids: Sequence[UUID] | None = None,
    limit: int = 8, embedder: Embedder | None = None,
) -> list[RetrievedChunk]:
    """Best chunks for a question within the session's tenant.

    `course_ids` is the allow-list of courses the caller may see (None: every course of the tenant,
    for staff); `exclude_module_ids` drops chunks of modules still locked by the drip schedule.
    """
    query = query.strip()
    if not query or (course_ids is not None and not course_ids):
        return []
    embedder = embedder or default_embedder(session.info.get("tenant_id"), session.info.get("user_id"))
    [query_vector] = await embedder.embed([query])
    return hybrid_search_by_vector(
        session, space_for(embedder.model).table, query, query_vector, course_ids=course_ids,
        content_types=content_types, exclude_module_ids=exclude_module_ids, limit=limit)
