"""replies: the last draft per source

Revision ID: 0006
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa

import reputation.schema


revision = "0006"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reply_drafts",
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("situation", sa.String(length=32), nullable=False),
        sa.Column("template", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", reputation.schema.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_reply_drafts_source_id_sources"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["review_id"], ["reviews.id"], name=op.f("fk_reply_drafts_review_id_reviews"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("source_id", name=op.f("pk_reply_drafts")),
    )


def downgrade() -> None:
    op.drop_table("reply_drafts")
