"""Index course content into its embedding space: re-embed only what changed, drop what is gone."""

import hashlib
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import text
from sqlmodel import Session

from domain.lms.models import ContentBlock, Course, Module
from vector.chunking import CHUNKER_VERSION, chunk_markdown
from vector.embedder import Embedder, default_embedder
from vector.spaces import SPACES, space_for
from vector.sql import vector_literal


@dataclass(frozen=True)
class Source:
    """A text that is chunked as one unit: a content block, or a module's or course's description."""

    source_type: str
    source_id: UUID
    course_id: UUID
    content_type: str
    title: str
    body: str
    module_id: UUID | None = None
    content_block_id: UUID | None = None
    source_module_id: UUID | None = None

    def content_hash(self, model: str) -> str:
        """Changes whenever the embedded text (or the chunker, or the model) would change."""
        parts = (CHUNKER_VERSION, model, self.content_type, self.title, self.body)
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _block_module(session: Session, block: ContentBlock) -> UUID | None:
    row = session.execute(
        text("SELECT id FROM modules WHERE course_id = :course AND :block = ANY(content_block_refs) "
             "ORDER BY sequence, created_at LIMIT 1"),
        {"course": block.course_id, "block": block.id},
    ).first()
    return row.id if row else None


def block_source(session: Session, block_id: UUID) -> Source | None:
    """The content block as a source, or None when it does not exist (for this tenant)."""
    block = session.get(ContentBlock, block_id)
    if block is None:
        return None
    return Source("block", block.id, block.course_id, str(block.type), block.title, block.body,
                  module_id=_block_module(session, block), content_block_id=block.id)


def module_source(session: Session, module_id: UUID) -> Source | None:
    """A module's description as a source."""
    module = session.get(Module, module_id)
    if module is None:
        return None
    return Source("module", module.id, module.course_id, "module", module.name, module.description,
                  module_id=module.id, source_module_id=module.id)


def course_source(session: Session, course_id: UUID) -> Source | None:
    """A course's description as a source."""
    course = session.get(Course, course_id)
    if course is None:
        return None
    return Source("course", course.id, course.id, "course", course.title, course.description)


def delete_source_chunks(session: Session, source_id: UUID) -> int:
    """Remove a source's (block, module or course id) chunks from every space; the number removed."""
    removed = 0
    for space in SPACES.values():
        result = session.execute(text(f"DELETE FROM {space.table} WHERE source_id = :id"), {"id": source_id})
        removed += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return removed


async def index_source(session: Session, source: Source, embedder: Embedder) -> int:
    """Bring a source's chunks up to date; the number of chunks embedded (0 when unchanged)."""
    table = space_for(embedder.model).table
    # One indexer per source at a time: a duplicate event waits, then sees the new hash and stops.
    session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                    {"key": f"{table}:{source.source_id}"})
    digest = source.content_hash(embedder.model)
    current = session.execute(
        text(f"SELECT DISTINCT content_hash FROM {table} WHERE source_id = :id"), {"id": source.source_id}
    ).scalars().all()
    if current == [digest]:
        session.execute(
            text(f"UPDATE {table} SET module_id = :module, course_id = :course "
                 f"WHERE source_id = :id AND (module_id IS DISTINCT FROM :module OR course_id <> :course)"),
            {"id": source.source_id, "module": source.module_id, "course": source.course_id},
        )
        return 0
    chunks = chunk_markdown(source.body, source.title)
    vectors = await embedder.embed([chunk.text for chunk in chunks])
    session.execute(text(f"DELETE FROM {table} WHERE source_id = :id"), {"id": source.source_id})
    if chunks:
        session.execute(
            text(f"INSERT INTO {table} (course_id, module_id, content_block_id, source_module_id, "
                 "source_type, source_id, content_type, title, chunk_index, heading_path, text, "
                 "embedding, embedding_model, content_hash) VALUES (:course, :module, :block, "
                 ":source_module, :source_type, :source_id, :content_type, :title, :chunk_index, "
                 ":heading_path, :text, CAST(:embedding AS vector), :model, :hash)"),
            [{"course": source.course_id, "module": source.module_id, "block": source.content_block_id,
              "source_module": source.source_module_id, "source_type": source.source_type,
              "source_id": source.source_id, "content_type": source.content_type,
              "title": source.title[:200], "chunk_index": chunk.index,
              "heading_path": list(chunk.heading_path), "text": chunk.text,
              "embedding": vector_literal(vector), "model": embedder.model, "hash": digest}
             for chunk, vector in zip(chunks, vectors, strict=True)],
        )
    return len(chunks)


async def _index(session: Session, source_id: UUID, source: Source | None, embedder: Embedder | None) -> int:
    if source is None:
        delete_source_chunks(session, source_id)
        return 0
    embedder = embedder or default_embedder(session.info.get("tenant_id"), session.info.get("user_id"))
    return await index_source(session, source, embedder)


async def index_content_block(session: Session, block_id: UUID, embedder: Embedder | None = None) -> int:
    """Index one content block (a missing block's chunks are deleted); chunks embedded."""
    return await _index(session, block_id, block_source(session, block_id), embedder)


async def index_module(session: Session, module_id: UUID, embedder: Embedder | None = None) -> int:
    """Index a module's description (a missing module's chunks are deleted); chunks embedded."""
    return await _index(session, module_id, module_source(session, module_id), embedder)


async def index_course_description(session: Session, course_id: UUID,
                                   embedder: Embedder | None = None) -> int:
    """Index a course's own description (a missing course's chunks are deleted); chunks embedded."""
    return await _index(session, course_id, course_source(session, course_id), embedder)


async def index_course(session: Session, course_id: UUID, embedder: Embedder | None = None) -> int:
    """Index a course's description and its modules' and blocks'; chunks embedded."""
    embedded = await index_course_description(session, course_id, embedder)
    for table, call in (("modules", index_module), ("content_blocks", index_content_block)):
        ids = session.execute(text(f"SELECT id FROM {table} WHERE course_id = :c"), {"c": course_id})
        for source_id in ids.scalars().all():
            embedded += await call(session, source_id, embedder)
    return embedded
