"""group buys: offers, groups, seats, per-buyer counts, and the order's group hold

Revision ID: c19g0e000001
Revises: c18t0e000001
Create Date: 2026-12-19 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c19g0e000001"
down_revision: str | None = "c18t0e000001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A frozen copy of livecommerce.groups.lifecycle.GROUP_STATUSES at this revision.
GROUP_STATUSES = ("open", "completed", "failed", "cancelled")


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    name = op.f(f"fk_{table}_{column}_{target}")
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=name)


def _offer() -> None:
    op.create_table(
        "group_offer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("price_cents", sa.BigInteger(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("sold", sa.Integer(), nullable=False),
        sa.Column("per_user_limit", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("size >= 2 AND size <= 100", name=op.f("ck_group_offer_size_range")),
        sa.CheckConstraint("sold >= 0", name=op.f("ck_group_offer_sold_non_negative")),
        sa.CheckConstraint("sold <= stock", name=op.f("ck_group_offer_not_oversold")),
        sa.CheckConstraint("per_user_limit >= 1", name=op.f("ck_group_offer_limit_positive")),
        sa.CheckConstraint("price_cents > 0", name=op.f("ck_group_offer_price_positive")),
        sa.CheckConstraint("duration_seconds > 0", name=op.f("ck_group_offer_duration_positive")),
        _fk("group_offer", "room_id", "room"),
        _fk("group_offer", "product_id", "product"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_offer")),
    )
    op.create_index(op.f("ix_group_offer_room_id"), "group_offer", ["room_id"])


def _group() -> None:
    statuses = ", ".join(repr(s) for s in GROUP_STATUSES)
    op.create_table(
        "group_buy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("leader_id", sa.Integer(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("seats_taken", sa.Integer(), nullable=False),
        sa.Column("seats_paid", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(f"status IN ({statuses})", name=op.f("ck_group_buy_status")),
        sa.CheckConstraint("seats_taken >= 0", name=op.f("ck_group_buy_seats_non_negative")),
        sa.CheckConstraint("seats_taken <= size", name=op.f("ck_group_buy_not_overfull")),
        sa.CheckConstraint(
            "seats_paid >= 0 AND seats_paid <= seats_taken",
            name=op.f("ck_group_buy_paid_bounded"),
        ),
        _fk("group_buy", "offer_id", "group_offer"),
        _fk("group_buy", "room_id", "room"),
        _fk("group_buy", "leader_id", "user"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_buy")),
    )
    op.create_index(op.f("ix_group_buy_offer_id"), "group_buy", ["offer_id"])
    op.create_index("ix_group_buy_status_expires_at", "group_buy", ["status", "expires_at"])
    op.create_index("ix_group_buy_room_id_status", "group_buy", ["room_id", "status"])


def _member() -> None:
    op.create_table(
        "group_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("paid", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("joined_at", sa.DateTime(), nullable=False),
        _fk("group_member", "group_id", "group_buy"),
        _fk("group_member", "offer_id", "group_offer"),
        _fk("group_member", "buyer_id", "user"),
        _fk("group_member", "order_id", "order"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_member")),
        sa.UniqueConstraint("order_id", name="uq_group_member_order_id"),
    )
    op.create_index(op.f("ix_group_member_group_id"), "group_member", ["group_id"])
    op.create_index(
        "uq_group_member_one_seat", "group_member", ["group_id", "buyer_id"], unique=True,
        sqlite_where=sa.text("active"), postgresql_where=sa.text("active"),
    )  # fmt: skip
    op.create_table(
        "group_buyer",
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_group_buyer_quantity_non_negative")),
        _fk("group_buyer", "offer_id", "group_offer"),
        _fk("group_buyer", "user_id", "user"),
        sa.PrimaryKeyConstraint("offer_id", "user_id", name=op.f("pk_group_buyer")),
    )


def upgrade() -> None:
    with op.batch_alter_table("order", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("awaiting_group", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    _offer()
    _group()
    _member()


def downgrade() -> None:
    op.drop_table("group_buyer")
    op.drop_index("uq_group_member_one_seat", table_name="group_member")
    op.drop_index(op.f("ix_group_member_group_id"), table_name="group_member")
    op.drop_table("group_member")
    op.drop_index("ix_group_buy_room_id_status", table_name="group_buy")
    op.drop_index("ix_group_buy_status_expires_at", table_name="group_buy")
    op.drop_index(op.f("ix_group_buy_offer_id"), table_name="group_buy")
    op.drop_table("group_buy")
    op.drop_index(op.f("ix_group_offer_room_id"), table_name="group_offer")
    op.drop_table("group_offer")
    with op.batch_alter_table("order", schema=None) as batch_op:
        batch_op.drop_column("awaiting_group")
