"""label corrections kept for training

Revision ID: 0002
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa

import reputation.schema


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sentiment_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("label", sa.String(length=8), nullable=False),
        sa.Column("previous_label", sa.String(length=8), nullable=True),
        sa.Column("user_name", sa.String(length=64), nullable=True),
        sa.Column("created_at", reputation.schema.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["review_id"], ["reviews.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sentiment_feedback") as batch:
        batch.create_index("ix_sentiment_feedback_review_id", ["review_id"], unique=False)


def downgrade() -> None:
    op.drop_table("sentiment_feedback")
