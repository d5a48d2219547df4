"""the show ledger (analytics) and its per-minute rollup

Revision ID: c17l0e000001
Revises: c16b0e000001
Create Date: 2026-12-17 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c17l0e000001"
down_revision: str | None = "c16b0e000001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ledger_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("elapsed_ms", sa.BigInteger(), nullable=False),
        sa.Column("minute", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("sale_id", sa.Integer(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("viewer", sa.String(length=64), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("value_ms", sa.BigInteger(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["room_id"], ["room.id"], name=op.f("fk_ledger_entry_room_id_room")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entry")),
    )
    op.create_index(
        "ix_ledger_entry_room_id_kind_viewer", "ledger_entry", ["room_id", "kind", "viewer"]
    )
    op.create_index("ix_ledger_entry_room_id_minute", "ledger_entry", ["room_id", "minute"])
    op.create_index("ix_ledger_entry_order_id", "ledger_entry", ["order_id"])
    counters = [
        "impressions", "clicks", "sheet_opens", "joins", "leaves", "watch_ms",
        "effective_views", "peak_viewers",
    ]  # fmt: skip
    op.create_table(
        "ledger_minute",
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("minute", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        *[sa.Column(name, sa.BigInteger(), nullable=False) for name in counters],
        sa.ForeignKeyConstraint(
            ["room_id"], ["room.id"], name=op.f("fk_ledger_minute_room_id_room")
        ),
        sa.PrimaryKeyConstraint("room_id", "minute", "product_id", name=op.f("pk_ledger_minute")),
    )


def downgrade() -> None:
    op.drop_table("ledger_minute")
    op.drop_index("ix_ledger_entry_order_id", table_name="ledger_entry")
    op.drop_index("ix_ledger_entry_room_id_minute", table_name="ledger_entry")
    op.drop_index("ix_ledger_entry_room_id_kind_viewer", table_name="ledger_entry")
    op.drop_table("ledger_entry")
