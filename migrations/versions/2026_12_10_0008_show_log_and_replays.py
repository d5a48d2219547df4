"""show log and replays: every event of a show; a room's recordable flag and replay state

Revision ID: c20p0e000001
Revises: c18d0e000001
Create Date: 2026-12-20
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c20p0e000001"
down_revision: str | None = "c18d0e000001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "show_event",
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=80), nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("media_t", sa.Float(), nullable=True),
        sa.Column("envelope", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("room_id", "seq", name=op.f("pk_show_event")),
    )
    with op.batch_alter_table("room", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("recordable", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("replay", sa.String(length=16), server_default="published", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("room", schema=None) as batch_op:
        batch_op.drop_column("replay")
        batch_op.drop_column("recordable")
    op.drop_table("show_event")
