"""Hybrid retrieval over a small realistic corpus: ranking, filters, and tenant isolation under RLS."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

import numpy as np
import pytest
from sqlalchemy import text

from cognify.db import tenant_session
from vector import retrieval
from vector.indexing import index_course
from vector.retrieval import CANDIDATES, nearest_chunks, search_content
from vector.spaces import EXACT_SEARCH_MAX_ROWS
from vector.sql import vector_literal

ELECTRONICS = {
    "Ohm's law": "# Ohm's law\n\nThe current through a conductor is proportional to the voltage across it: "
                 "V = I R. Resistance is measured in ohms.",
    "Kirchhoff's laws": "# Circuit laws\n\nThe sum of currents entering a node equals the sum leaving it. "
                        "Around any closed loop the voltages add up to zero.",
    "Lab safety": "# Bench rules\n\nBefore using the soldering station, file form LS-207 with the "
                  "technician and wear eye protection.",
}
BIOLOGY = {
    "Photosynthesis": "# Photosynthesis\n\nChloroplasts in leaves capture light and store its energy as "
                      "glucose, releasing oxygen from water and carbon dioxide.",
    "Cell respiration": "# Respiration\n\nMitochondria break down glucose with oxygen to make ATP, the "
                        "cell's energy currency.",
}


@dataclass
class Corpus:
    """Ids of one tenant's indexed corpus."""

    tenant_id: UUID
    electronics: UUID
    biology: UUID
    blocks: dict[str, UUID]


@pytest.fixture
def make_corpus(make_tenant, make_course, make_block, embedder) -> Callable[[], Corpus]:
    """Factory: a tenant with an electronics and a biology course, indexed."""

    def make() -> Corpus:
        tenant = make_tenant()
        electronics = make_course(tenant.id, "Intro to Electronics")
        biology = make_course(tenant.id, "Biology 101", "Life at the scale of cells.")
        blocks = {title: make_block(tenant.id, electronics, title, body)
                  for title, body in ELECTRONICS.items()}
        blocks |= {title: make_block(tenant.id, biology, title, body, module_name="Energy in cells")
                   for title, body in BIOLOGY.items()}
        blocks["Lecture"] = make_block(tenant.id, biology, "Lecture: leaves",
                                       "Transcript: leaves are green because of chlorophyll.", type="video")
        with tenant_session(tenant.id) as session:
            for course in (electronics, biology):
                asyncio.run(index_course(session, course, embedder))
        return Corpus(tenant.id, electronics, biology, blocks)

    return make


@pytest.fixture
def corpus(make_corpus) -> Corpus:
    """One indexed tenant corpus."""
    return make_corpus()


def _search(tenant_id: UUID, query: str, **filters) -> list:
    filters.setdefault("course_ids", None)
    with tenant_session(tenant_id) as session:
        return asyncio.run(search_content(session, query, **filters))


def test_lexical_only_query_ranks_the_exact_term_first(corpus: Corpus) -> None:
    results = _search(corpus.tenant_id, "LS-207")
    assert results[0].content_block_id == corpus.blocks["Lab safety"]
    assert results[0].text_rank == 1
    assert results[0].course_id == corpus.electronics


def test_semantic_paraphrase_without_shared_words_ranks_the_right_block_first(corpus: Corpus) -> None:
    results = _search(corpus.tenant_id, "how do green organisms turn sunshine into sugar?")
    top = results[0]
    assert top.content_block_id == corpus.blocks["Photosynthesis"]
    assert top.text_rank is None and top.vector_rank == 1
    assert top.heading_path == ["Photosynthesis"]
    assert top.module_id is not None and top.course_id == corpus.biology


def test_course_allow_list_excludes_other_courses(corpus: Corpus) -> None:
    results = _search(corpus.tenant_id, "glucose energy in leaves", course_ids=[corpus.electronics])
    assert results and {r.course_id for r in results} == {corpus.electronics}
    assert _search(corpus.tenant_id, "glucose", course_ids=[]) == []


def test_content_type_and_locked_module_filters(corpus: Corpus) -> None:
    videos = _search(corpus.tenant_id, "why are leaves green", content_types=["video"])
    assert [r.content_block_id for r in videos] == [corpus.blocks["Lecture"]]
    unlocked = _search(corpus.tenant_id, "mitochondria ATP", course_ids=[corpus.biology],
                       exclude_module_ids=[_search(corpus.tenant_id, "mitochondria ATP")[0].module_id])
    assert corpus.blocks["Cell respiration"] not in {r.content_block_id for r in unlocked}


def test_course_description_is_searchable(corpus: Corpus) -> None:
    results = _search(corpus.tenant_id, "Life at the scale of cells")
    assert any(r.source_type == "course" and r.course_id == corpus.biology for r in results)


def test_tenant_never_sees_another_tenants_chunks(make_corpus) -> None:
    a, b = make_corpus(), make_corpus()
    results = _search(a.tenant_id, "how do green organisms turn sunshine into sugar?", limit=50)
    assert results and {r.course_id for r in results} <= {a.electronics, a.biology}
    # Passing the other tenant's course ids does not reach them either.
    assert _search(a.tenant_id, "photosynthesis", course_ids=[b.biology]) == []
    with tenant_session(a.tenant_id) as session:
        tenants = session.execute(text("SELECT DISTINCT tenant_id FROM content_chunks")).scalars().all()
    assert tenants == [a.tenant_id]
    with tenant_session(None) as session:
        assert session.execute(text("SELECT count(*) FROM content_chunks")).scalar_one() == 0


def test_app_role_cannot_write_chunks_into_another_tenant(make_corpus) -> None:
    a, b = make_corpus(), make_corpus()
    with pytest.raises(Exception, match="row-level security"), tenant_session(a.tenant_id) as session:
        session.execute(text("UPDATE content_chunks SET tenant_id = :b"), {"b": b.tenant_id})


def _exact_order(tenant_id: UUID, vector: list[float], course_ids: list[UUID] | None) -> list[UUID]:
    filters = "" if course_ids is None else "WHERE course_id = ANY(:courses)"
    with tenant_session(tenant_id) as session:
        return list(session.execute(
            text(f"SELECT id FROM content_chunks {filters} "
                 "ORDER BY (embedding <=> CAST(:q AS vector)) + 0, id"),
            {"q": vector_literal(vector), "courses": course_ids},
        ).scalars())


@pytest.mark.parametrize("exact_max", [EXACT_SEARCH_MAX_ROWS, 0], ids=["exact-scope", "hnsw-scope"])
def test_vector_retriever_returns_the_exact_nearest_chunks_on_either_path(
    corpus: Corpus, embedder, monkeypatch, exact_max: int
) -> None:
    # A scope this small is searched exactly; with the threshold at 0 the same search goes through
    # HNSW, which on a dozen chunks must find the same neighbours. Either way one branch answers.
    monkeypatch.setattr(retrieval, "EXACT_SEARCH_MAX_ROWS", exact_max)
    [vector] = asyncio.run(embedder.embed(["how do plants store the energy of light?"]))
    for course_ids in (None, [corpus.biology]):
        with tenant_session(corpus.tenant_id) as session:
            found = nearest_chunks(session, "content_chunks", vector, course_ids=course_ids, candidates=5)
        expected = _exact_order(corpus.tenant_id, vector, course_ids)
        assert [chunk_id for chunk_id, _ in found] == expected[:5]
        distances = [distance for _, distance in found]
        assert distances == sorted(distances)


def test_relaxed_order_hnsw_neighbours_still_come_back_nearest_first(
    make_tenant, make_course, monkeypatch
) -> None:
    # 3,000 random chunks, 1 in 20 in the searched course. With the threshold at 0, sorting disabled
    # (so only the HNSW index can supply the order) and the smallest ef_search, the iterative
    # relaxed-order scan returns neighbours out of order; PostgreSQL would also skip an ORDER BY over
    # a CTE that is itself ordered by distance. The retriever must still rank them nearest first.
    monkeypatch.setattr(retrieval, "EXACT_SEARCH_MAX_ROWS", 0)
    monkeypatch.setattr(retrieval, "FILTERED_EF_SEARCH", 1)
    tenant = make_tenant()
    big, small = make_course(tenant.id, "Big"), make_course(tenant.id, "Small")
    with tenant_session(tenant.id) as session:
        session.execute(text("SELECT setseed(0.42)"))
        session.execute(text(
            "INSERT INTO content_chunks (course_id, source_type, source_id, content_type, chunk_index, text, "
            "embedding, embedding_model, content_hash) "
            "SELECT CASE WHEN g % 20 = 0 THEN CAST(:small AS uuid) ELSE CAST(:big AS uuid) END, 'course', "
            "gen_random_uuid(), 'doc', 0, 'synthetic', "
            "(SELECT array_agg(random() - 0.5) FROM generate_series(1, 384) WHERE g > 0)::vector, "
            "'all-minilm-l6-v2', repeat('0', 64) FROM generate_series(1, 3000) AS g"),
            {"small": small, "big": big})
    query = [float(x) for x in np.random.default_rng(7).standard_normal(384)]

    with tenant_session(tenant.id) as session:
        session.execute(text("SET LOCAL enable_sort = off"))
        found = nearest_chunks(session, "content_chunks", query, course_ids=[small])

    distances = [distance for _, distance in found]
    assert len(found) == CANDIDATES
    assert distances == sorted(distances)
