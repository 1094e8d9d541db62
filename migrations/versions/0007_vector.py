"""Vector: content chunks for hybrid retrieval (pgvector HNSW cosine + full-text GIN), under RLS.

One table per embedding space (model + dimensions), never mixed: `content_chunks` holds the default
space, all-MiniLM-L6-v2 at 384 dimensions, pinned by a CHECK on `embedding_model`. Another model
gets its own migration calling `_chunk_table(<table>, <model>, <dimensions>)` with a copy of this
helper, and its own entry in `vector.spaces.SPACES`.

Revision ID: 0007_vector
Revises: 0001_foundation
"""

from alembic import op

from cognify.rls import app_role, disable_tenant_rls, enable_tenant_rls

revision = "0007_vector"
down_revision = "0001_foundation"
branch_labels = ("vector",)
depends_on = "0002_lms"

HNSW_M = 16
HNSW_EF_CONSTRUCTION = 128


def _chunk_table(table: str, model: str, dimensions: int) -> None:
    op.execute(f"""
        CREATE TABLE {table} (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            tenant_id uuid NOT NULL DEFAULT cognify_current_tenant()
                REFERENCES tenants(id) ON DELETE CASCADE,
            course_id uuid NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
            module_id uuid REFERENCES modules(id) ON DELETE SET NULL,
            content_block_id uuid REFERENCES content_blocks(id) ON DELETE CASCADE,
            source_module_id uuid REFERENCES modules(id) ON DELETE CASCADE,
            source_type varchar(10) NOT NULL CHECK (source_type IN ('block', 'module', 'course')),
            source_id uuid NOT NULL,
            content_type varchar(20) NOT NULL,
            title varchar(200) NOT NULL DEFAULT '',
            chunk_index integer NOT NULL CHECK (chunk_index >= 0),
            heading_path text[] NOT NULL DEFAULT '{{}}',
            text text NOT NULL,
            tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', text)) STORED,
            embedding vector({dimensions}) NOT NULL,
            embedding_model varchar(100) NOT NULL CHECK (embedding_model = '{model}'),
            content_hash char(64) NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT uq_{table}_source_chunk UNIQUE (source_id, chunk_index)
        )""")
    op.execute(f"CREATE INDEX ix_{table}_tenant_id ON {table} (tenant_id)")
    op.execute(f"CREATE INDEX ix_{table}_course_id ON {table} (course_id)")
    op.execute(f"CREATE INDEX ix_{table}_content_block_id ON {table} (content_block_id)")
    op.execute(f"CREATE INDEX ix_{table}_source_module_id ON {table} (source_module_id)")
    op.execute(f"CREATE INDEX ix_{table}_tsv ON {table} USING gin (tsv)")
    op.execute(f"CREATE INDEX ix_{table}_embedding ON {table} USING hnsw (embedding vector_cosine_ops) "
               f"WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION})")
    enable_tenant_rls(table)
    _full_text_function(table)


def _full_text_function(table: str) -> None:
    # Under RLS a non-leakproof qual such as `tsv @@ q` may not run before the policy, so PostgreSQL
    # cannot use the GIN index for the app role and scans the whole table. This owner-run function
    # applies the same tenant predicate itself and returns only ids and ranks; the caller fetches
    # the rows under RLS, so a wrong id could never surface another tenant's text.
    op.execute(f"""
        CREATE FUNCTION cognify_{table}_fts(p_query text, p_course_ids uuid[], p_content_types text[],
                                            p_excluded_modules uuid[], p_limit integer)
        RETURNS TABLE (id uuid, rank_value real)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
            SELECT c.id, ts_rank_cd(c.tsv, q) AS rank_value
            FROM {table} c, websearch_to_tsquery('english', p_query) AS q
            WHERE c.tenant_id = cognify_current_tenant() AND c.tsv @@ q
              AND (p_course_ids IS NULL OR c.course_id = ANY(p_course_ids))
              AND (p_content_types IS NULL OR c.content_type = ANY(p_content_types))
              AND (p_excluded_modules IS NULL OR c.module_id IS NULL
                   OR c.module_id <> ALL(p_excluded_modules))
            ORDER BY rank_value DESC, c.id
            LIMIT p_limit
        $$""")
    signature = f"cognify_{table}_fts(text, uuid[], text[], uuid[], integer)"
    op.execute(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {signature} TO {app_role()}")


def upgrade() -> None:
    _chunk_table("content_chunks", "all-minilm-l6-v2", 384)


def downgrade() -> None:
    disable_tenant_rls("content_chunks")
    op.execute("DROP FUNCTION cognify_content_chunks_fts(text, uuid[], text[], uuid[], integer)")
    op.execute("DROP TABLE content_chunks")
