"""alerts: the weekly report goes through the outbox, once per week

Revision ID: 0007
Revises: 0003
"""

from alembic import op
import sqlalchemy as sa


revision = "0007"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alert_outbox") as table:
        table.add_column(sa.Column("week", sa.String(length=10), nullable=True))
    op.create_index(op.f("ix_alert_outbox_week"), "alert_outbox", ["week"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_alert_outbox_week"), table_name="alert_outbox")
    with op.batch_alter_table("alert_outbox") as table:
        table.drop_column("week")
