"""share links and referral commissions

Revision ID: c19r0e000001
Revises: c19g0e000001
Create Date: 2026-12-19 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c19r0e000001"
down_revision: str | None = "c19g0e000001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "promoter",
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["user.id"], name=op.f("fk_promoter_merchant_id_user")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_promoter_user_id_user")),
        sa.PrimaryKeyConstraint("merchant_id", "user_id", name=op.f("pk_promoter")),
    )
    op.create_table(
        "referral_settings",
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("requires_approval", sa.Boolean(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("levels", sa.Integer(), nullable=False),
        sa.Column("second_rate_bp", sa.Integer(), nullable=False),
        sa.Column("group_buys", sa.Boolean(), nullable=False),
        sa.CheckConstraint("levels IN (1, 2)", name=op.f("ck_referral_settings_levels")),
        sa.CheckConstraint("rate_bp BETWEEN 0 AND 5000", name=op.f("ck_referral_settings_rate_bp")),
        sa.CheckConstraint(
            "second_rate_bp BETWEEN 0 AND 5000", name=op.f("ck_referral_settings_second_rate_bp")
        ),
        sa.CheckConstraint(
            "window_days BETWEEN 1 AND 365", name=op.f("ck_referral_settings_window_days")
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["user.id"], name=op.f("fk_referral_settings_merchant_id_user")
        ),
        sa.PrimaryKeyConstraint("merchant_id", name=op.f("pk_referral_settings")),
    )
    op.create_table(
        "share_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("promoter_id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("target_kind", sa.String(length=8), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["user.id"], name=op.f("fk_share_link_merchant_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["promoter_id"], ["user.id"], name=op.f("fk_share_link_promoter_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_link")),
        sa.UniqueConstraint("promoter_id", "target_kind", "target_id", name="uq_share_link_target"),
    )
    with op.batch_alter_table("share_link", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_share_link_merchant_id"), ["merchant_id"], unique=False
        )

    op.create_table(
        "product_commission",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "rate_bp BETWEEN 0 AND 5000", name=op.f("ck_product_commission_rate_bp")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_product_commission_product_id_product")
        ),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_product_commission")),
    )
    op.create_table(
        "referral_binding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("referrer_id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=True),
        sa.Column("bound_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["buyer_id"], ["user.id"], name=op.f("fk_referral_binding_buyer_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["link_id"], ["share_link.id"], name=op.f("fk_referral_binding_link_id_share_link")
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["user.id"], name=op.f("fk_referral_binding_merchant_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["referrer_id"], ["user.id"], name=op.f("fk_referral_binding_referrer_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_binding")),
        sa.UniqueConstraint("buyer_id", "merchant_id", name="uq_referral_binding_buyer"),
    )
    with op.batch_alter_table("referral_binding", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_referral_binding_referrer_id"), ["referrer_id"], unique=False
        )

    op.create_table(
        "share_click",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=True),
        sa.Column("referrer_id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("visitor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"], ["share_link.id"], name=op.f("fk_share_click_link_id_share_link")
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["user.id"], name=op.f("fk_share_click_merchant_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_share_click_product_id_product")
        ),
        sa.ForeignKeyConstraint(
            ["referrer_id"], ["user.id"], name=op.f("fk_share_click_referrer_id_user")
        ),
        sa.ForeignKeyConstraint(["room_id"], ["room.id"], name=op.f("fk_share_click_room_id_room")),
        sa.ForeignKeyConstraint(
            ["visitor_id"], ["user.id"], name=op.f("fk_share_click_visitor_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_click")),
    )
    with op.batch_alter_table("share_click", schema=None) as batch_op:
        batch_op.create_index("ix_share_click_link_id", ["link_id"], unique=False)
        batch_op.create_index("ix_share_click_merchant_id_at", ["merchant_id", "at"], unique=False)

    op.create_table(
        "commission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("promoter_id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("base_cents", sa.BigInteger(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("settled_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("amount_cents >= 0", name=op.f("ck_commission_amount_non_negative")),
        sa.CheckConstraint("level IN (1, 2)", name=op.f("ck_commission_level")),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["user.id"], name=op.f("fk_commission_merchant_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["order.id"], name=op.f("fk_commission_order_id_order")
        ),
        sa.ForeignKeyConstraint(
            ["promoter_id"], ["user.id"], name=op.f("fk_commission_promoter_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commission")),
        sa.UniqueConstraint("order_id", "level", name="uq_commission_order_level"),
    )
    with op.batch_alter_table("commission", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_commission_merchant_id"), ["merchant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_commission_promoter_id"), ["promoter_id"], unique=False
        )

    op.create_table(
        "commission_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commission_id", sa.Integer(), nullable=False),
        sa.Column("promoter_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("pending_cents", sa.BigInteger(), nullable=False),
        sa.Column("payable_cents", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commission_id"],
            ["commission.id"],
            name=op.f("fk_commission_entry_commission_id_commission"),
        ),
        sa.ForeignKeyConstraint(
            ["promoter_id"], ["user.id"], name=op.f("fk_commission_entry_promoter_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commission_entry")),
        sa.UniqueConstraint("key", name="uq_commission_entry_key"),
    )
    with op.batch_alter_table("commission_entry", schema=None) as batch_op:
        batch_op.create_index("ix_commission_entry_commission_id", ["commission_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("commission_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_commission_entry_commission_id")

    op.drop_table("commission_entry")
    with op.batch_alter_table("commission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commission_promoter_id"))
        batch_op.drop_index(batch_op.f("ix_commission_merchant_id"))

    op.drop_table("commission")
    with op.batch_alter_table("share_click", schema=None) as batch_op:
        batch_op.drop_index("ix_share_click_merchant_id_at")
        batch_op.drop_index("ix_share_click_link_id")

    op.drop_table("share_click")
    with op.batch_alter_table("referral_binding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_binding_referrer_id"))

    op.drop_table("referral_binding")
    op.drop_table("product_commission")
    with op.batch_alter_table("share_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_share_link_merchant_id"))

    op.drop_table("share_link")
    op.drop_table("referral_settings")
    op.drop_table("promoter")
