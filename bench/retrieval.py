"""Hybrid retrieval over 100,000 chunks: p50/p95 latency of hybrid top-8, recall@10 of the vector
retriever (HNSW, or exact search over a small scope) against exact search.

Synthetic corpus: text drawn (Zipf) from a made-up vocabulary, and clustered random unit vectors of
384 dimensions (real embeddings cluster by topic; uniform noise would be an unrealistically hard case).
Courses are dealt to blocks round-robin, so a course filter keeps a random share of every cluster.
Two query kinds, each with two words of a corpus chunk: perturbed corpus vectors (a question close to
stored content) and uniform random unit vectors (far from every cluster: the hard case for HNSW).
Scopes (--scopes): all 50 courses (staff, no course filter), 10 (a student's enrolment), 1 (2% of chunks).
Loaded with binary COPY into an embedded PostgreSQL; searches run as the RLS-bound app role, one
transaction each, through the functions the tutor uses. All latency passes run before any recall
pass: exact search reads every vector and would evict the index from memory.

Run: uv run python bench/retrieval.py [--chunks 100000] [--queries 200] [--reuse] [--shared-buffers 1GB]
                                      [--scopes 50,10,1]
(--reuse keeps the loaded database under /tmp between runs: loading and the HNSW build take minutes.
The embedded server's default shared_buffers, 128MB, is smaller than the 195MB HNSW index.)
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
        conn.commit()
        build_s = time.perf_counter() - started
        conn.autocommit = True
        conn.execute("VACUUM (ANALYZE) content_chunks")  # what autovacuum does to a live table
        return tenant, courses, build_s


EXACT_SQL = ("SELECT id, (embedding <=> CAST(:q AS vector)) + 0 AS distance FROM content_chunks {where} "
             "ORDER BY distance LIMIT 10")


def _where(course_ids: list[uuid.UUID] | None) -> str:
    return "" if course_ids is None else "WHERE course_id = ANY(:courses)"


def _exact(session, query: np.ndarray, course_ids: list[uuid.UUID] | None, prefix: str = ""):  # noqa: ANN001, ANN202
    from sqlalchemy import text

    from vector.sql import vector_literal

    session.execute(text("SET LOCAL enable_indexscan = off"))
    return session.execute(text(prefix + EXACT_SQL.format(where=_where(course_ids))),
                           {"q": vector_literal(query), "courses": course_ids})


def exact_top10(session, query: np.ndarray, course_ids: list[uuid.UUID] | None) -> list:  # noqa: ANN001
    """Top-10 ids by exact cosine distance (call in a transaction of its own).

    Ordering by `distance + 0`, which no index can serve, is what keeps this exact: psycopg prepares
    a statement after 5 runs and PostgreSQL may reuse its cached plan whatever the settings, so
    `enable_indexscan = off` alone once let an "exact" query run on the HNSW plan (recall read 1.0).
    """
    return [row.id for row in _exact(session, query, course_ids)]


def check_exact_plan(session, query: np.ndarray, course_ids: list[uuid.UUID] | None) -> str:  # noqa: ANN001
    """The exact query's plan nodes (e.g. 'Seq Scan'); fails if it would use the HNSW index."""
    [plan] = _exact(session, query, course_ids, "EXPLAIN (FORMAT JSON) ").scalar_one()
    nodes, stack = [], [plan["Plan"]]
    while stack:
        node = stack.pop()
        nodes.append(node["Node Type"] + (f" on {node['Index Name']}" if "Index Name" in node else ""))
        stack += node.get("Plans", [])
    assert not any("ix_content_chunks_embedding" in n for n in nodes), nodes
    return " > ".join(nodes)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile, in milliseconds, rounded."""
    return round(float(np.percentile(values, q)) * 1000, 2)


def open_database(root: Path, reuse: bool, texts: list[str], vectors: np.ndarray) -> tuple:
    """Server, tenant, courses and load/build seconds (None when a cached database was reused).
    The server keeps its data on stop: a temporary root is deleted by the caller."""
    meta_path = root / "bench.json"
    server = start_database(root, delete_on_stop=False)
    if reuse and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        return server, uuid.UUID(meta["tenant"]), [uuid.UUID(c) for c in meta["courses"]], None, None
    started = time.perf_counter()
    tenant, courses, build_s = load(texts, vectors)
    load_s = time.perf_counter() - started
    if reuse:
        meta_path.write_text(json.dumps({"tenant": str(tenant), "courses": [str(c) for c in courses]}))
    return server, tenant, courses, round(load_s, 1), round(build_s, 1)


def configure_memory(server, root: Path, shared_buffers: str | None):  # noqa: ANN001, ANN201
    """Apply shared_buffers (None: the server's default, undoing an earlier run's setting) by a
    restart; the running server, and its shared_buffers and HNSW index size for the report."""
    import psycopg
    from psycopg import sql

    from cognify.db import owner_url

    dsn = owner_url().set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        [overridden] = conn.execute("SELECT sourcefile LIKE '%postgresql.auto.conf' FROM pg_settings "
                                    "WHERE name = 'shared_buffers'").fetchone()
        if shared_buffers:
            conn.execute(sql.SQL("ALTER SYSTEM SET shared_buffers = {}").format(sql.Literal(shared_buffers)))
        elif overridden:
            conn.execute("ALTER SYSTEM RESET shared_buffers")
    if shared_buffers or overridden:
        server.stop()
        server = start_database(root, delete_on_stop=False)
    with psycopg.connect(dsn) as conn:
        memory = conn.execute("SELECT current_setting('shared_buffers'), "
                              "pg_size_pretty(pg_relation_size('ix_content_chunks_embedding'))").fetchone()
    return server, {"shared_buffers": memory[0], "hnsw_index_size": memory[1]}


def scope_rows(tenant: uuid.UUID, course_ids: list[uuid.UUID] | None) -> int:
    """Chunks the app role sees for this filter (decides exact search or HNSW in retrieval)."""
    from sqlalchemy import text

    from cognify.db import TenantSession, app_engine

    with TenantSession(app_engine(), tenant) as session, session.begin():
        where = _where(course_ids)
        return session.execute(text(f"SELECT count(*) FROM content_chunks {where}"),
                               {"courses": course_ids}).scalar_one()


def latency(tenant: uuid.UUID, scopes: dict, queries: np.ndarray, words: list[str]) -> dict:
    """Per scope: p50/p95 of hybrid top-8, one transaction per query, as the tutor runs it."""
    from cognify.db import TenantSession, app_engine
    from vector.retrieval import hybrid_search_by_vector

    report = {}
    for label, course_ids in scopes.items():
        timings = []
        for query, query_text in zip(queries, words, strict=True):
            with TenantSession(app_engine(), tenant) as session, session.begin():
                began = time.perf_counter()
                results = hybrid_search_by_vector(session, "content_chunks", query_text, query,
                                                  course_ids=course_ids, limit=8)
                timings.append(time.perf_counter() - began)
                assert len(results) == 8
        report[label] = {"p50_ms": percentile(timings, 50), "p95_ms": percentile(timings, 95)}
    return report


def recall(tenant: uuid.UUID, scopes: dict, queries: np.ndarray) -> dict:
    """Per scope: recall@10 of the vector retriever hybrid search uses (`nearest_chunks`: HNSW, or
    exact over a small scope) against exact search, and which of the two the scope takes."""
    from cognify.db import TenantSession, app_engine
    from vector.retrieval import nearest_chunks
    from vector.spaces import EXACT_SEARCH_MAX_ROWS

    report = {}
    for label, course_ids in scopes.items():
        hits = 0
        for query in queries:
            with TenantSession(app_engine(), tenant) as session, session.begin():
                nearest = nearest_chunks(session, "content_chunks", query, course_ids=course_ids)
                assert len(nearest) >= 10
            with TenantSession(app_engine(), tenant) as session, session.begin():
                exact = exact_top10(session, query, course_ids)
            hits += len({chunk_id for chunk_id, _ in nearest[:10]} & set(exact))
        with TenantSession(app_engine(), tenant) as session, session.begin():
            exact_plan = check_exact_plan(session, queries[0], course_ids)
        rows = scope_rows(tenant, course_ids)
        report[label] = {"recall_at_10": round(hits / (10 * len(queries)), 4), "scope_rows": rows,
                         "vector_path": "exact" if rows <= EXACT_SEARCH_MAX_ROWS else "hnsw",
                         "exact_baseline_plan": exact_plan}
    return report


def main() -> None:
    """Load (or reuse), query, report JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--reuse", action="store_true",
                        help=f"keep the loaded database in {CACHE_ROOT}-<chunks> and reuse it next time")
    parser.add_argument("--shared-buffers", help="e.g. 1GB, to hold the HNSW index (default: server's)")
    parser.add_argument("--scopes", type=lambda v: [int(n) for n in v.split(",")], default=[COURSES, 10, 1],
                        help=f"searches within the first n of {COURSES} courses (all: no course filter)")
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
        server, memory = configure_memory(server, root, args.shared_buffers)
        stack.callback(server.stop)
        from cognify.db import dispose_engines
        from vector.spaces import EF_SEARCH, EXACT_SEARCH_MAX_ROWS, FILTERED_EF_SEARCH

        load_before = os.getloadavg()
        scopes = {f"{n}_of_{COURSES}_courses": None if n == COURSES else courses[:n] for n in args.scopes}
        kinds = {"near_corpus_queries": near, "uniform_random_queries": uniform}
        kinds = {kind: q / np.linalg.norm(q, axis=1, keepdims=True) for kind, q in kinds.items()}
        # Every latency pass before any recall pass: exact search reads every vector, evicting the index.
        timed = {kind: latency(tenant, scopes, q, words) for kind, q in kinds.items()}
        load_timed = os.getloadavg()
        report = {kind: {label: timed[kind][label] | scores for label, scores in
                         recall(tenant, scopes, q).items()} for kind, q in kinds.items()}
        print(json.dumps({
            "chunks": args.chunks, "queries": args.queries, "load_s": load_s, "hnsw_build_s": build_s,
            "ef_search": EF_SEARCH, "filtered_ef_search": FILTERED_EF_SEARCH,
            "exact_search_max_rows": EXACT_SEARCH_MAX_ROWS, **memory, **report,
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after_latency": [round(x, 2) for x in load_timed],
        }, indent=2))
        dispose_engines()


if __name__ == "__main__":
    main()
