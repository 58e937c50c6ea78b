"""scheduler: APScheduler's job store and the single-instance lease

Revision ID: 0004
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa

import reputation.schema


revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "apscheduler_jobs",
        sa.Column("id", sa.Unicode(length=191), nullable=False),
        sa.Column("next_run_time", sa.Float(precision=25), nullable=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apscheduler_jobs")),
    )
    with op.batch_alter_table("apscheduler_jobs") as batch:
        batch.create_index("ix_apscheduler_jobs_next_run_time", ["next_run_time"], unique=False)
    op.create_table(
        "scheduler_lease",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=32), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("acquired_at", reputation.schema.UtcDateTime(timezone=True), nullable=False),
        sa.Column("renewed_at", reputation.schema.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", reputation.schema.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_lease")),
    )


def downgrade() -> None:
    op.drop_table("scheduler_lease")
    op.drop_table("apscheduler_jobs")
