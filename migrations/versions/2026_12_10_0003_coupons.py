"""coupons: merchant policy, templates, drops in rooms, claims; an order's coupon

Revision ID: c18c0e000001
Revises: c16b0e000001
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c18c0e000001"
down_revision: str | None = "c16b0e000001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _policy() -> None:
    op.create_table(
        "coupon_policy",
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("host_cap_cents", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("host_cap_cents >= 0", name=op.f("ck_coupon_policy_cap_non_negative")),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["user.id"], name=op.f("fk_coupon_policy_merchant_id_user")
        ),
        sa.PrimaryKeyConstraint("merchant_id", name=op.f("pk_coupon_policy")),
    )


def _template() -> None:
    checks = {
        "kind": "kind IN ('fixed', 'percent')",
        "audience": "audience IN ('everyone', 'first_time')",
        "claim_window": "claim_window IN ('live', 'minutes', 'until')",
        "amount_non_negative": "amount_off_cents >= 0",
        "percent_range": "percent_off >= 0 AND percent_off < 100",
        "limit_positive": "per_buyer_limit >= 1",
        "quantity_positive": "total_quantity IS NULL OR total_quantity >= 1",
    }
    op.create_table(
        "coupon_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("amount_off_cents", sa.BigInteger(), nullable=False),
        sa.Column("percent_off", sa.Integer(), nullable=False),
        sa.Column("max_discount_cents", sa.BigInteger(), nullable=True),
        sa.Column("min_spend_cents", sa.BigInteger(), nullable=False),
        sa.Column("product_ids", sa.Text(), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("total_quantity", sa.Integer(), nullable=True),
        sa.Column("per_buyer_limit", sa.Integer(), nullable=False),
        sa.Column("claim_window", sa.String(length=8), nullable=False),
        sa.Column("claim_minutes", sa.Integer(), nullable=True),
        sa.Column("claim_until", sa.DateTime(), nullable=True),
        sa.Column("valid_minutes", sa.Integer(), nullable=False),
        sa.Column("stacks_with_deals", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        *(
            sa.CheckConstraint(sql, name=op.f(f"ck_coupon_template_{n}"))
            for n, sql in checks.items()
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user.id"], name=op.f("fk_coupon_template_created_by_user")
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["user.id"], name=op.f("fk_coupon_template_merchant_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["room_id"], ["room.id"], name=op.f("fk_coupon_template_room_id_room")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coupon_template")),
    )
    op.create_index(op.f("ix_coupon_template_merchant_id"), "coupon_template", ["merchant_id"])
    op.create_index(op.f("ix_coupon_template_room_id"), "coupon_template", ["room_id"])


def _drop() -> None:
    op.create_table(
        "coupon_drop",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("dropped_by", sa.Integer(), nullable=False),
        sa.Column("dropped_at", sa.DateTime(), nullable=False),
        sa.Column("claim_ends_at", sa.DateTime(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=True),
        sa.Column("per_buyer_limit", sa.Integer(), nullable=False),
        sa.Column("claimed", sa.Integer(), nullable=False),
        sa.CheckConstraint("claimed >= 0", name=op.f("ck_coupon_drop_claimed_non_negative")),
        sa.CheckConstraint(
            "quantity IS NULL OR claimed <= quantity", name=op.f("ck_coupon_drop_not_overclaimed")
        ),
        sa.ForeignKeyConstraint(
            ["dropped_by"], ["user.id"], name=op.f("fk_coupon_drop_dropped_by_user")
        ),
        sa.ForeignKeyConstraint(["room_id"], ["room.id"], name=op.f("fk_coupon_drop_room_id_room")),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["coupon_template.id"],
            name=op.f("fk_coupon_drop_template_id_coupon_template"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coupon_drop")),
    )
    op.create_index(op.f("ix_coupon_drop_room_id"), "coupon_drop", ["room_id"])
    op.create_index(op.f("ix_coupon_drop_template_id"), "coupon_drop", ["template_id"])


def _claim() -> None:
    op.create_table(
        "coupon_claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("drop_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("redeemed_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('available', 'redeemed')", name=op.f("ck_coupon_claim_status")
        ),
        sa.CheckConstraint("ordinal >= 1", name=op.f("ck_coupon_claim_ordinal_positive")),
        sa.ForeignKeyConstraint(
            ["drop_id"], ["coupon_drop.id"], name=op.f("fk_coupon_claim_drop_id_coupon_drop")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_coupon_claim_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coupon_claim")),
        sa.UniqueConstraint("drop_id", "user_id", "ordinal", name="uq_coupon_claim_ordinal"),
        sa.UniqueConstraint("drop_id", "user_id", "idempotency_key", name="uq_coupon_claim_key"),
    )
    op.create_index(op.f("ix_coupon_claim_drop_id"), "coupon_claim", ["drop_id"])
    op.create_index(op.f("ix_coupon_claim_user_id"), "coupon_claim", ["user_id"])
    op.create_index(op.f("ix_coupon_claim_order_id"), "coupon_claim", ["order_id"])


def upgrade() -> None:
    _policy()
    _template()
    _drop()
    _claim()
    with op.batch_alter_table("order", schema=None) as batch_op:
        batch_op.add_column(sa.Column("coupon_claim_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("discount_cents", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_order_coupon_claim_id_coupon_claim"),
            "coupon_claim",
            ["coupon_claim_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("order", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_order_coupon_claim_id_coupon_claim"), type_="foreignkey"
        )
        batch_op.drop_column("discount_cents")
        batch_op.drop_column("coupon_claim_id")
    op.drop_table("coupon_claim")
    op.drop_table("coupon_drop")
    op.drop_table("coupon_template")
    op.drop_table("coupon_policy")
