"""dashboard: login throttling, sessions, and indexes for the inbox and the time to resolve

Revision ID: 0005
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa

import reputation.schema


revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_attempts",
        sa.Column("user_name", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", reputation.schema.UtcDateTime(timezone=True), nullable=True),
        sa.Column("locked_until", reputation.schema.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("user_name", name=op.f("pk_login_attempts")),
    )
    op.create_table(
        "dashboard_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_name", sa.String(length=64), nullable=False),
        sa.Column("created_at", reputation.schema.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", reputation.schema.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_dashboard_sessions")),
    )
    with op.batch_alter_table("dashboard_sessions") as batch:
        batch.create_index("ix_dashboard_sessions_expires_at", ["expires_at"], unique=False)
    with op.batch_alter_table("reviews") as batch:
        batch.create_index("ix_reviews_flagged_status_due_at", ["flagged", "status", "due_at"], unique=False)
        batch.create_index("ix_reviews_resolved_at", ["resolved_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reviews") as batch:
        batch.drop_index("ix_reviews_flagged_status_due_at")
        batch.drop_index("ix_reviews_resolved_at")
    op.drop_table("dashboard_sessions")
    op.drop_table("login_attempts")
