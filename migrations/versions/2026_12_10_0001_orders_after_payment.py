"""orders after payment: shipping, delivery, returns, refunds, audit

Revision ID: c16a0e000001
Revises: 3f1c9a7d2b64
Create Date: 2026-12-10 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c16a0e000001"
down_revision: str | None = "3f1c9a7d2b64"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of livecommerce.orders.lifecycle.ORDER_STATUSES at this revision; a
# migration must not change when the code does (tests/orders/test_lifecycle.py checks
# the head's CHECK against the code).
OLD_STATUSES = ("pending_payment", "paid", "cancelled", "expired", "refunded")
NEW_STATUSES = (
    "pending_payment", "paid", "shipped", "delivered", "completed", "cancelled", "expired",
    "refund_requested", "refunding", "refunded", "partially_refunded", "refund_rejected",
)  # fmt: skip


def _one_of(values: tuple[str, ...]) -> str:
    return f"status IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.add_column(sa.Column("return_exclusion", sa.String(length=16), nullable=True))
    with op.batch_alter_table("order", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_order_status"), type_="check")
        batch_op.alter_column(
            "status", existing_type=sa.String(length=16), type_=sa.String(length=20)
        )
        for name in ("shipped_at", "delivered_at", "completed_at"):
            batch_op.add_column(sa.Column(name, sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("carrier", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("tracking_number", sa.String(length=80), nullable=True))
        for name in ("return_quantity", "refunded_quantity"):
            batch_op.add_column(sa.Column(name, sa.Integer(), server_default="0", nullable=False))
        batch_op.create_check_constraint(op.f("ck_order_status"), _one_of(NEW_STATUSES))
        batch_op.create_check_constraint(
            op.f("ck_order_refunded_non_negative"), "refunded_quantity >= 0"
        )
        batch_op.create_check_constraint(
            op.f("ck_order_refund_within_quantity"), "refunded_quantity <= quantity"
        )
        batch_op.create_check_constraint(
            op.f("ck_order_return_non_negative"), "return_quantity >= 0"
        )
        batch_op.create_check_constraint(
            op.f("ck_order_return_bounded"), "refunded_quantity + return_quantity <= quantity"
        )
    op.create_table(
        "order_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=16), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("from_status", sa.String(length=20), nullable=False),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_user_id"], ["user.id"], name=op.f("fk_order_audit_actor_user_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["order.id"], name=op.f("fk_order_audit_order_id_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_audit")),
    )
    with op.batch_alter_table("order_audit", schema=None) as batch_op:
        batch_op.create_index("ix_order_audit_order_id_id", ["order_id", "id"], unique=False)
    op.create_table(
        "refund",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=False),
        sa.Column("provider_reference", sa.String(length=120), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("leased_until", sa.DateTime(), nullable=False),
        sa.Column("settled_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_refund_amount_positive")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_refund_quantity_positive")),
        sa.ForeignKeyConstraint(["order_id"], ["order.id"], name=op.f("fk_refund_order_id_order")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund")),
        sa.UniqueConstraint("reference", name="uq_refund_reference"),
    )
    with op.batch_alter_table("refund", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refund_order_id"), ["order_id"], unique=False)
        batch_op.create_index(
            "ix_refund_status_leased_until", ["status", "leased_until"], unique=False
        )


def downgrade() -> None:
    op.drop_table("refund")
    op.drop_table("order_audit")
    with op.batch_alter_table("order", schema=None) as batch_op:
        for name in (
            "ck_order_return_bounded", "ck_order_return_non_negative",
            "ck_order_refund_within_quantity", "ck_order_refunded_non_negative",
            "ck_order_status",
        ):  # fmt: skip
            batch_op.drop_constraint(op.f(name), type_="check")
        for name in (
            "refunded_quantity", "return_quantity", "tracking_number", "carrier",
            "completed_at", "delivered_at", "shipped_at",
        ):  # fmt: skip
            batch_op.drop_column(name)
        batch_op.alter_column(
            "status", existing_type=sa.String(length=20), type_=sa.String(length=16)
        )
        batch_op.create_check_constraint(op.f("ck_order_status"), _one_of(OLD_STATUSES))
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_column("return_exclusion")
