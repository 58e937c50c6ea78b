"""alerts: which message announced each flagged review, and when it escalates

Revision ID: 0003
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa

import reputation.schema


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_alerts",
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("escalate_at", reputation.schema.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["review_id"], ["reviews.id"], name=op.f("fk_review_alerts_review_id_reviews"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alert_outbox.id"], name=op.f("fk_review_alerts_alert_id_alert_outbox"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("review_id", name=op.f("pk_review_alerts")),
    )
    with op.batch_alter_table("review_alerts") as batch:
        batch.create_index("ix_review_alerts_alert_id", ["alert_id"], unique=False)
        batch.create_index("ix_review_alerts_escalate_at", ["escalate_at"], unique=False)


def downgrade() -> None:
    op.drop_table("review_alerts")
