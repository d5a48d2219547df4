"""ledger rows by show time: the report's sales after each host action read one index range
an action

Revision ID: c20s0e000001
Revises: c19f0e000001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "c20s0e000001"
down_revision: str | None = "c19f0e000001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_ledger_entry_room_id_kind_elapsed",
        "ledger_entry",
        ["room_id", "kind", "elapsed_ms", "amount_cents"],
    )


def downgrade() -> None:
    op.drop_index("ix_ledger_entry_room_id_kind_elapsed", table_name="ledger_entry")
