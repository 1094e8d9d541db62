"""Vector: content_chunks gets a (tenant_id, course_id) index in place of its tenant_id one.

Retrieval first counts the chunks a search may return (the tenant's, through RLS, within the allowed
courses) to choose exact search or HNSW (see vector.retrieval). With both columns in one index that
count is an index-only scan; with separate indexes it reads a heap page per chunk counted. The old
tenant_id index is a prefix of the new one, so it goes.

Revision ID: 0007_vector_scope_index
Revises: 0007_vector
"""

from alembic import op

revision = "0007_vector_scope_index"
down_revision = "0007_vector"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX ix_content_chunks_tenant_course ON content_chunks (tenant_id, course_id)")
    op.execute("DROP INDEX ix_content_chunks_tenant_id")


def downgrade() -> None:
    op.execute("CREATE INDEX ix_content_chunks_tenant_id ON content_chunks (tenant_id)")
    op.execute("DROP INDEX ix_content_chunks_tenant_course")
