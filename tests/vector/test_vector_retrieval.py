"""Hybrid retrieval over a small realistic corpus: ranking, filters, and tenant isolation under RLS."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

import pytest
from sqlalchemy import text

from cognify.db import tenant_session
from vector.indexing import index_course
from vector.retrieval import search_content

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
