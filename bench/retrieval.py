"""Hybrid retrieval over 100,000 chunks: p50/p95 latency of hybrid top-8, recall@10 of HNSW vs exact.

Synthetic corpus: text drawn (Zipf) from a made-up vocabulary, and clustered random unit vectors of
384 dimensions (real embeddings cluster by topic; uniform noise would be an unrealistically hard case).
Two query kinds, each with two words of a corpus chunk: perturbed corpus vectors (a question close to
stored content) and uniform random unit vectors (far from every cluster: the hard case for HNSW).
Recall@10 is measured unfiltered and with the 10-of-50-courses filter. Loaded with binary COPY into an
embedded PostgreSQL; searches run as the RLS-bound app role, one transaction each, as in the app.

Run: uv run python bench/retrieval.py [--chunks 100000] [--queries 200] [--reuse]
(--reuse keeps the loaded database under /tmp between runs: loading and the HNSW build take minutes.)
"""

import argparse
import contextlib
import json
import os
import secrets
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

CACHE_ROOT = "/tmp/cognify-bench-retrieval"
DIM, COURSES, CHUNKS_PER_BLOCK, CLUSTERS, VOCAB, STOPWORDS = 384, 50, 10, 2000, 20000, 100


def start_database(root: Path, delete_on_stop: bool):  # noqa: ANN201
    """Embedded PostgreSQL in `root` (started or reused), migrated; the server (to stop)."""
    os.environ.update(COGNIFY_ENV="test", COGNIFY_DATA_DIR=str(root / "data"), COGNIFY_LOG_JSON="true")
    os.environ.setdefault("COGNIFY_SECRET_KEY", secrets.token_urlsafe(48))
    from cognify.embedded import EmbeddedPostgres

    server = EmbeddedPostgres(root / "pg", delete_on_stop=delete_on_stop)
    os.environ["DATABASE_URL"] = server.start()
    from cognify import dbadmin
    from cognify.settings import get_settings

    get_settings.cache_clear()
    dbadmin.upgrade()
    return server


def corpus(rng: np.random.Generator, n: int) -> tuple[list[str], np.ndarray, set[str]]:
    """n chunk texts, their unit vectors, and the vocabulary's most frequent words."""
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    vocab = ["".join(rng.choice(letters, size=rng.integers(4, 10))) for _ in range(VOCAB)]
    weights = 1.0 / np.arange(1, VOCAB + 1) ** 1.1
    words = rng.choice(VOCAB, size=(n, 40), p=weights / weights.sum())
    texts = [" ".join(vocab[w] for w in row) for row in words]
    centroids = rng.standard_normal((CLUSTERS, DIM)).astype(np.float32)
    vectors = centroids[rng.integers(0, CLUSTERS, n)] + 0.6 * rng.standard_normal((n, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return texts, vectors, set(vocab[:STOPWORDS])


def query_words(rng: np.random.Generator, chunk_text: str, stopwords: set[str]) -> str:
    """Two words of a chunk, skipping the head of the Zipf curve (PostgreSQL drops real stopwords)."""
    candidates = sorted({w for w in chunk_text.split() if w not in stopwords})
    return " ".join(rng.choice(candidates, 2, replace=False))


def load(texts: list[str], vectors: np.ndarray) -> tuple[uuid.UUID, list[uuid.UUID], float]:
    """Tenant, courses, blocks and chunks by COPY; HNSW built after the load. (tenant, courses, build s)."""
    import psycopg
    from pgvector.psycopg import register_vector

    from cognify.db import owner_url

    tenant, courses = uuid.uuid4(), [uuid.uuid4() for _ in range(COURSES)]
    blocks = [uuid.uuid4() for _ in range(len(texts) // CHUNKS_PER_BLOCK)]
    block_course = [courses[i % COURSES] for i in range(len(blocks))]
    with psycopg.connect(owner_url().set(drivername="postgresql").render_as_string(False)) as conn:
        register_vector(conn)
        conn.execute("INSERT INTO tenants (id, name, slug) VALUES (%s, 'Bench', 'bench')", (tenant,))
        with conn.cursor().copy("COPY courses (id, tenant_id, title) FROM STDIN") as copy:
            for course in courses:
                copy.write_row((course, tenant, "Course"))
        block_copy = "COPY content_blocks (id, tenant_id, course_id, type, title) FROM STDIN"
        with conn.cursor().copy(block_copy) as copy:
            for block, course in zip(blocks, block_course, strict=True):
                copy.write_row((block, tenant, course, "doc", "Block"))
        index_def = conn.execute(
            "SELECT pg_get_indexdef('ix_content_chunks_embedding'::regclass)").fetchone()[0]
        conn.execute("DROP INDEX ix_content_chunks_embedding")
        columns = ("tenant_id, course_id, content_block_id, source_type, source_id, content_type, title, "
                   "chunk_index, text, embedding, embedding_model, content_hash")
        with conn.cursor().copy(f"COPY content_chunks ({columns}) FROM STDIN WITH (FORMAT BINARY)") as copy:
            copy.set_types(["uuid", "uuid", "uuid", "varchar", "uuid", "varchar", "varchar", "int4", "text",
                            "vector", "varchar", "text"])
            for i, (chunk_text, vector) in enumerate(zip(texts, vectors, strict=True)):
                block, course = blocks[i // CHUNKS_PER_BLOCK], block_course[i // CHUNKS_PER_BLOCK]
                copy.write_row((tenant, course, block, "block", block, "doc", "Block", i % CHUNKS_PER_BLOCK,
                                chunk_text, vector, "all-minilm-l6-v2", "0" * 64))
        conn.commit()
        conn.execute("SET maintenance_work_mem = '2GB'")
        conn.execute("SET max_parallel_maintenance_workers = 2")
        started = time.perf_counter()
        conn.execute(index_def)
        conn.execute("ANALYZE content_chunks")
        conn.commit()
        return tenant, courses, time.perf_counter() - started


def vector_top10(session, query: np.ndarray, course_ids: list[uuid.UUID] | None, exact: bool) -> list:  # noqa: ANN001
    """Top-10 ids by cosine distance, through HNSW (as retrieval tunes it) or by exact scan.

    The exact query orders by `distance + 0`, which no index can serve. It must not rely on
    `SET LOCAL enable_indexscan = off`: psycopg prepares a statement after 5 runs and PostgreSQL
    reuses its cached plan whatever the settings, so the approximate and the exact query (same text)
    ended up with one plan and recall@10 read 1.0 whatever HNSW returned.
    """
    from sqlalchemy import text

    from vector.retrieval import tune_hnsw
    from vector.sql import vector_literal

    tune_hnsw(session)
    where = "" if course_ids is None else "WHERE course_id = ANY(:courses)"
    order = "(embedding <=> CAST(:q AS vector)) + 0" if exact else "embedding <=> CAST(:q AS vector)"
    rows = session.execute(text(f"SELECT id, {order} AS distance FROM content_chunks {where} "
                                "ORDER BY distance LIMIT 10"),
                           {"q": vector_literal(query), "courses": course_ids})
    return [row.id for row in rows]


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile, in milliseconds, rounded."""
    return round(float(np.percentile(values, q)) * 1000, 2)


def open_database(root: Path, reuse: bool, texts: list[str], vectors: np.ndarray) -> tuple:
    """Server, tenant, courses and load/build seconds (None when a cached database was reused)."""
    meta_path = root / "bench.json"
    if reuse and meta_path.exists():
        server = start_database(root, delete_on_stop=False)
        meta = json.loads(meta_path.read_text())
        return server, uuid.UUID(meta["tenant"]), [uuid.UUID(c) for c in meta["courses"]], None, None
    server = start_database(root, delete_on_stop=not reuse)
    started = time.perf_counter()
    tenant, courses, build_s = load(texts, vectors)
    load_s = time.perf_counter() - started
    if reuse:
        meta_path.write_text(json.dumps({"tenant": str(tenant), "courses": [str(c) for c in courses]}))
    return server, tenant, courses, round(load_s, 1), round(build_s, 1)


def measure(tenant: uuid.UUID, courses: list[uuid.UUID], queries: np.ndarray, words: list[str]) -> dict:
    """Hybrid top-8 latency (all courses, 10 of 50) and HNSW recall@10 against exact search."""
    from cognify.db import TenantSession, app_engine
    from vector.retrieval import hybrid_search_by_vector

    allowed = courses[:10]
    timings: dict[str, list[float]] = {"all_courses": [], "ten_courses": []}
    hits = {"all_courses": 0, "ten_courses": 0}
    for query, query_text in zip(queries, words, strict=True):
        for label, course_ids in (("all_courses", None), ("ten_courses", allowed)):
            with TenantSession(app_engine(), tenant) as session, session.begin():
                began = time.perf_counter()
                results = hybrid_search_by_vector(session, "content_chunks", query_text, query,
                                                  course_ids=course_ids, limit=8)
                timings[label].append(time.perf_counter() - began)
                assert len(results) == 8
            with TenantSession(app_engine(), tenant) as session, session.begin():
                approx = vector_top10(session, query, course_ids, exact=False)
            with TenantSession(app_engine(), tenant) as session, session.begin():
                exact = vector_top10(session, query, course_ids, exact=True)
            hits[label] += len(set(approx) & set(exact))
    return {label: {"p50_ms": percentile(t, 50), "p95_ms": percentile(t, 95),
                    "recall_at_10": round(hits[label] / (10 * len(queries)), 4)}
            for label, t in timings.items()}


def main() -> None:
    """Load (or reuse), query, report JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--reuse", action="store_true",
                        help=f"keep the loaded database in {CACHE_ROOT}-<chunks> and reuse it next time")
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    texts, vectors, stopwords = corpus(rng, args.chunks)
    picks = rng.integers(0, args.chunks, args.queries)
    noise = 0.3 * rng.standard_normal((args.queries, DIM)).astype(np.float32)
    near = vectors[picks] + noise / np.sqrt(DIM) * 4
    uniform = rng.standard_normal((args.queries, DIM)).astype(np.float32)
    words = [query_words(rng, texts[p], stopwords) for p in picks]
    with contextlib.ExitStack() as stack:
        root = (Path(f"{CACHE_ROOT}-{args.chunks}") if args.reuse
                else Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cognify-bench-"))))
        server, tenant, courses, load_s, build_s = open_database(root, args.reuse, texts, vectors)
        stack.callback(server.stop)
        from cognify.db import dispose_engines
        from vector.spaces import EF_SEARCH

        load_before = os.getloadavg()
        report = {kind: measure(tenant, courses, q / np.linalg.norm(q, axis=1, keepdims=True), words)
                  for kind, q in (("near_corpus_queries", near), ("uniform_random_queries", uniform))}
        print(json.dumps({
            "chunks": args.chunks, "queries": args.queries, "load_s": load_s, "hnsw_build_s": build_s,
            "ef_search": EF_SEARCH, **report,
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        }, indent=2))
        dispose_engines()


if __name__ == "__main__":
    main()
