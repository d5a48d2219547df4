"""event outbox: commerce events written with the transaction that emits them

Revision ID: e0a7b0c1d2f3
Revises: 6538657f9006
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e0a7b0c1d2f3"
down_revision: str | None = "6538657f9006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "event_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=80), nullable=False),
        sa.Column("delivery", sa.String(length=20), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("audience", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("leased_until", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_outbox")),
    )
    op.create_index("ix_event_outbox_leased_until", "event_outbox", ["leased_until"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_event_outbox_leased_until", table_name="event_outbox")
    op.drop_table("event_outbox")
