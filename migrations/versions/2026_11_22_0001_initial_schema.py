"""initial schema

Revision ID: 6538657f9006
Revises:
Create Date: 2026-11-22 13:15:34.048039
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "6538657f9006"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handle", sa.String(length=40), nullable=False),
        sa.Column("display_name", sa.String(length=80), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "role IN ('merchant', 'host', 'viewer', 'admin')", name=op.f("ck_user_role")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user")),
        sa.UniqueConstraint("handle", name=op.f("uq_user_handle")),
    )
    op.create_table(
        "product",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("image_url", sa.String(length=500), nullable=False),
        sa.Column("price_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("stock_on_hand", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("price_cents > 0", name=op.f("ck_product_price_positive")),
        sa.CheckConstraint("stock_on_hand >= 0", name=op.f("ck_product_stock_non_negative")),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["user.id"], name=op.f("fk_product_merchant_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product")),
    )
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_merchant_id"), ["merchant_id"], unique=False)

    op.create_table(
        "room",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("cover_url", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("pinned_product_id", sa.Integer(), nullable=True),
        sa.Column("media_node", sa.String(length=300), nullable=True),
        sa.Column("slow_mode_seconds", sa.Integer(), nullable=False),
        sa.Column("blocked_words", sa.Text(), nullable=False),
        sa.CheckConstraint("status IN ('scheduled', 'live', 'ended')", name=op.f("ck_room_status")),
        sa.ForeignKeyConstraint(["host_id"], ["user.id"], name=op.f("fk_room_host_id_user")),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["user.id"], name=op.f("fk_room_merchant_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["pinned_product_id"], ["product.id"], name=op.f("fk_room_pinned_product_id_product")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room")),
    )
    with op.batch_alter_table("room", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_room_host_id"), ["host_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_room_merchant_id"), ["merchant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_room_status"), ["status"], unique=False)

    op.create_table(
        "chat_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["room_id"], ["room.id"], name=op.f("fk_chat_message_room_id_room")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_chat_message_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_message")),
    )
    with op.batch_alter_table("chat_message", schema=None) as batch_op:
        batch_op.create_index("ix_chat_message_room_id_id", ["room_id", "id"], unique=False)

    op.create_table(
        "flash_sale",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("price_cents", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("sold", sa.Integer(), nullable=False),
        sa.Column("per_user_limit", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "status IN ('scheduled', 'live', 'sold_out', 'ended', 'cancelled')",
            name=op.f("ck_flash_sale_status"),
        ),
        sa.CheckConstraint("per_user_limit >= 1", name=op.f("ck_flash_sale_limit_positive")),
        sa.CheckConstraint("price_cents > 0", name=op.f("ck_flash_sale_price_positive")),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_flash_sale_quantity_non_negative")),
        sa.CheckConstraint("sold <= quantity", name=op.f("ck_flash_sale_not_oversold")),
        sa.CheckConstraint("sold >= 0", name=op.f("ck_flash_sale_sold_non_negative")),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_flash_sale_product_id_product")
        ),
        sa.ForeignKeyConstraint(["room_id"], ["room.id"], name=op.f("fk_flash_sale_room_id_room")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flash_sale")),
    )
    with op.batch_alter_table("flash_sale", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_flash_sale_room_id"), ["room_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_flash_sale_status"), ["status"], unique=False)

    op.create_table(
        "room_ban",
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("until", sa.DateTime(), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(["room_id"], ["room.id"], name=op.f("fk_room_ban_room_id_room")),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_room_ban_user_id_user")),
        sa.PrimaryKeyConstraint("room_id", "user_id", name=op.f("pk_room_ban")),
    )
    op.create_table(
        "room_moderator",
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["room_id"], ["room.id"], name=op.f("fk_room_moderator_room_id_room")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_room_moderator_user_id_user")
        ),
        sa.PrimaryKeyConstraint("room_id", "user_id", name=op.f("pk_room_moderator")),
    )
    op.create_table(
        "room_product",
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_room_product_product_id_product")
        ),
        sa.ForeignKeyConstraint(
            ["room_id"], ["room.id"], name=op.f("fk_room_product_room_id_room")
        ),
        sa.PrimaryKeyConstraint("room_id", "product_id", name=op.f("pk_room_product")),
    )
    op.create_table(
        "order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("sale_id", sa.Integer(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_cents", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("idempotency_key", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("paid_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending_payment', 'paid', 'cancelled', 'expired', 'refunded')",
            name=op.f("ck_order_status"),
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_order_quantity_positive")),
        sa.ForeignKeyConstraint(["buyer_id"], ["user.id"], name=op.f("fk_order_buyer_id_user")),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_order_product_id_product")
        ),
        sa.ForeignKeyConstraint(["room_id"], ["room.id"], name=op.f("fk_order_room_id_room")),
        sa.ForeignKeyConstraint(
            ["sale_id"], ["flash_sale.id"], name=op.f("fk_order_sale_id_flash_sale")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order")),
        sa.UniqueConstraint("buyer_id", "idempotency_key", name="uq_order_buyer_key"),
    )
    with op.batch_alter_table("order", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_buyer_id"), ["buyer_id"], unique=False)
        batch_op.create_index("ix_order_status_expires_at", ["status", "expires_at"], unique=False)

    op.create_table(
        "purchase_counter",
        sa.Column("sale_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_purchase_counter_quantity_non_negative")),
        sa.ForeignKeyConstraint(
            ["sale_id"], ["flash_sale.id"], name=op.f("fk_purchase_counter_sale_id_flash_sale")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_purchase_counter_user_id_user")
        ),
        sa.PrimaryKeyConstraint("sale_id", "user_id", name=op.f("pk_purchase_counter")),
    )
    op.create_table(
        "payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["order.id"], name=op.f("fk_payment_order_id_order")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment")),
        sa.UniqueConstraint("provider", "reference", name="uq_payment_reference"),
    )
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_order_id"), ["order_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_order_id"))

    op.drop_table("payment")
    op.drop_table("purchase_counter")
    with op.batch_alter_table("order", schema=None) as batch_op:
        batch_op.drop_index("ix_order_status_expires_at")
        batch_op.drop_index(batch_op.f("ix_order_buyer_id"))

    op.drop_table("order")
    op.drop_table("room_product")
    op.drop_table("room_moderator")
    op.drop_table("room_ban")
    with op.batch_alter_table("flash_sale", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_flash_sale_status"))
        batch_op.drop_index(batch_op.f("ix_flash_sale_room_id"))

    op.drop_table("flash_sale")
    with op.batch_alter_table("chat_message", schema=None) as batch_op:
        batch_op.drop_index("ix_chat_message_room_id_id")

    op.drop_table("chat_message")
    with op.batch_alter_table("room", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_room_status"))
        batch_op.drop_index(batch_op.f("ix_room_merchant_id"))
        batch_op.drop_index(batch_op.f("ix_room_host_id"))

    op.drop_table("room")
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_merchant_id"))

    op.drop_table("product")
    op.drop_table("user")
