"""Indexing: a changed block is embedded once, an unchanged one is a no-op, a deleted one disappears."""

import asyncio
import threading
from uuid import UUID

from sqlalchemy import text

from cognify.db import tenant_session
from domain.lms.models import ContentBlock, Module
from vector.chunking import chunk_markdown
from vector.indexing import delete_source_chunks, index_content_block, index_module
from vector.tasks import index_block

LONG = "# Vectors\n\n" + " ".join(f"word{i}" for i in range(400))


def _chunks(tenant_id: UUID, source_id: UUID) -> list:
    with tenant_session(tenant_id) as session:
        return session.execute(
            text("SELECT chunk_index, text, module_id, content_hash, embedding_model FROM content_chunks "
                 "WHERE source_id = :id ORDER BY chunk_index"), {"id": source_id}).all()


def _index(tenant_id: UUID, block_id: UUID, embedder) -> int:
    with tenant_session(tenant_id) as session:
        return asyncio.run(index_content_block(session, block_id, embedder))


def _edit(tenant_id: UUID, block_id: UUID, body: str) -> None:
    with tenant_session(tenant_id) as session:
        block = session.get(ContentBlock, block_id)
        assert block is not None
        block.body = body
        session.add(block)


def test_changed_block_is_embedded_once_and_unchanged_is_a_no_op(make_tenant, make_course, make_block,
                                                                   embedder) -> None:
    tenant = make_tenant()
    block = make_block(tenant.id, make_course(tenant.id), "Linear algebra", LONG)
    expected = len(chunk_markdown(LONG, "Linear algebra"))
    assert expected > 1
    assert _index(tenant.id, block, embedder) == expected
    assert (embedder.calls, embedder.texts) == (1, expected)
    rows = _chunks(tenant.id, block)
    assert [r.chunk_index for r in rows] == list(range(expected))
    assert {r.embedding_model for r in rows} == {"all-minilm-l6-v2"}

    assert _index(tenant.id, block, embedder) == 0
    assert embedder.calls == 1

    _edit(tenant.id, block, "# Matrices\n\nA matrix maps vectors to vectors.")
    assert _index(tenant.id, block, embedder) == 1
    assert _index(tenant.id, block, embedder) == 0
    assert (embedder.calls, embedder.texts) == (2, expected + 1)
    [row] = _chunks(tenant.id, block)
    assert row.text == "Linear algebra > Matrices\n\nA matrix maps vectors to vectors."


def test_concurrent_indexers_of_one_change_embed_it_once(make_tenant, make_course, make_block,
                                                         embedder) -> None:
    tenant = make_tenant()
    course = make_course(tenant.id)
    block = make_block(tenant.id, course, "Optics", "# Lenses\n\nA convex lens focuses light.")
    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(_index(tenant.id, block, embedder)))
               for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0, 0, 1]
    assert embedder.calls == 1
    assert len(_chunks(tenant.id, block)) == 1


def test_module_change_updates_metadata_without_embedding(make_tenant, make_course, make_block,
                                                          embedder) -> None:
    tenant = make_tenant()
    course = make_course(tenant.id)
    block = make_block(tenant.id, course, "Waves", "Sound is a pressure wave.")
    _index(tenant.id, block, embedder)
    with tenant_session(tenant.id) as session:
        module = Module(tenant_id=tenant.id, course_id=course, name="Week 1", content_block_refs=[block])
        session.add(module)
    assert _index(tenant.id, block, embedder) == 0
    assert embedder.calls == 1
    assert _chunks(tenant.id, block)[0].module_id == module.id


def test_deleted_block_chunks_disappear(make_tenant, make_course, make_block, embedder) -> None:
    tenant = make_tenant()
    course = make_course(tenant.id)
    cascaded, explicit, reindexed = (make_block(tenant.id, course, f"B{i}", f"Text number {i}.")
                                     for i in range(3))
    for block in (cascaded, explicit, reindexed):
        _index(tenant.id, block, embedder)
    with tenant_session(tenant.id) as session:
        session.delete(session.get(ContentBlock, cascaded))
        assert delete_source_chunks(session, explicit) == 1
    assert _chunks(tenant.id, cascaded) == [] and _chunks(tenant.id, explicit) == []
    assert len(_chunks(tenant.id, reindexed)) == 1

    with tenant_session(tenant.id) as session:
        session.execute(text("DELETE FROM content_blocks WHERE id = :id"), {"id": reindexed})
    assert _index(tenant.id, reindexed, embedder) == 0  # the missing block's (already gone) chunks


def test_module_description_is_indexed_and_removed_with_the_module(make_tenant, make_course,
                                                                   embedder) -> None:
    tenant = make_tenant()
    course = make_course(tenant.id)
    with tenant_session(tenant.id) as session:
        module = Module(tenant_id=tenant.id, course_id=course, name="Week 2",
                        description="We study resonance in RLC circuits.")
        session.add(module)
    with tenant_session(tenant.id) as session:
        assert asyncio.run(index_module(session, module.id, embedder)) == 1
        session.delete(session.get(Module, module.id))
    assert _chunks(tenant.id, module.id) == []


def test_celery_task_indexes_with_the_default_embedder(make_tenant, make_course, make_block) -> None:
    tenant = make_tenant()
    block = make_block(tenant.id, make_course(tenant.id), "Heat", "Heat flows from hot to cold.")
    assert index_block(str(tenant.id), str(block)) == 1
    assert index_block(str(tenant.id), str(block)) == 0
    other = make_tenant()
    assert index_block(str(other.id), str(block)) == 0  # another tenant's task cannot see the block
    assert len(_chunks(tenant.id, block)) == 1
