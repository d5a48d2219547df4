"""lucky draws: the draw and its picks (winners, in ranking order)

Revision ID: c18d0e000001
Revises: c19r0e000001
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c18d0e000001"
down_revision: str | None = "c19r0e000001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "draw",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("prize_kind", sa.String(length=16), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("prize_title", sa.String(length=200), nullable=False),
        sa.Column("prize_value_cents", sa.BigInteger(), nullable=False),
        sa.Column("winners_wanted", sa.Integer(), nullable=False),
        sa.Column("condition", sa.String(length=16), nullable=False),
        sa.Column("keyword", sa.String(length=40), nullable=False),
        sa.Column("watch_seconds", sa.Integer(), nullable=False),
        sa.Column("exclude_recent_days", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("seed_hex", sa.String(length=64), nullable=False),
        sa.Column("commit", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("closes_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("entrants", sa.Text(), nullable=False),
        sa.Column("entrants_hash", sa.String(length=64), nullable=False),
        sa.Column("entrant_count", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "condition IN ('keyword', 'watch', 'follow', 'purchase')",
            name=op.f("ck_draw_condition"),
        ),
        sa.CheckConstraint("prize_kind IN ('product', 'coupon')", name=op.f("ck_draw_prize_kind")),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_draw_status")),
        sa.CheckConstraint("winners_wanted >= 1", name=op.f("ck_draw_winners_positive")),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["user.id"], name=op.f("fk_draw_merchant_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_draw_product_id_product")
        ),
        sa.ForeignKeyConstraint(["room_id"], ["room.id"], name=op.f("fk_draw_room_id_room")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draw")),
    )
    with op.batch_alter_table("draw", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_draw_merchant_id"), ["merchant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_draw_room_id"), ["room_id"], unique=False)
        batch_op.create_index(
            "uq_draw_open_room",
            ["room_id"],
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )

    op.create_table(
        "draw_winner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("ticket", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("won_at", sa.DateTime(), nullable=False),
        sa.Column("claim_by", sa.DateTime(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("claim_address", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "status IN ('won', 'claimed', 'forfeited')", name=op.f("ck_draw_winner_status")
        ),
        sa.ForeignKeyConstraint(["draw_id"], ["draw.id"], name=op.f("fk_draw_winner_draw_id_draw")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["order.id"], name=op.f("fk_draw_winner_order_id_order")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_draw_winner_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draw_winner")),
        sa.UniqueConstraint("draw_id", "position", name="uq_draw_winner_position"),
        sa.UniqueConstraint("draw_id", "user_id", name="uq_draw_winner_user"),
    )
    with op.batch_alter_table("draw_winner", schema=None) as batch_op:
        batch_op.create_index(
            "ix_draw_winner_status_claim_by", ["status", "claim_by"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_draw_winner_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("draw_winner", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_draw_winner_user_id"))
        batch_op.drop_index("ix_draw_winner_status_claim_by")

    op.drop_table("draw_winner")
    with op.batch_alter_table("draw", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_draw_open_room",
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )
        batch_op.drop_index(batch_op.f("ix_draw_room_id"))
        batch_op.drop_index(batch_op.f("ix_draw_merchant_id"))

    op.drop_table("draw")
