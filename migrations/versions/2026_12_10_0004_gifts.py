"""the gift catalogue, the double-entry ledger behind gifts, gift mutes, minors

Revision ID: c18t0e000001
Revises: c18c0e000001
Create Date: 2026-12-18 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c18t0e000001"
down_revision: str | None = "c18c0e000001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ledger_transfer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=160), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_transfer")),
        sa.UniqueConstraint("reference", name="uq_ledger_transfer_reference"),
    )
    op.create_table(
        "gift",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("image_url", sa.String(length=500), nullable=False),
        sa.Column("price_cents", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("price_cents > 0", name=op.f("ck_gift_price_positive")),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["user.id"], name=op.f("fk_gift_merchant_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gift")),
    )
    op.create_index(op.f("ix_gift_merchant_id"), "gift", ["merchant_id"])

    op.create_table(
        "gift_mute",
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("until", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["host_id"], ["user.id"], name=op.f("fk_gift_mute_host_id_user")),
        sa.PrimaryKeyConstraint("host_id", name=op.f("pk_gift_mute")),
    )
    op.create_table(
        "ledger_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_ledger_account_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_account")),
        sa.UniqueConstraint("code", name="uq_ledger_account_code"),
    )
    op.create_table(
        "ledger_posting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transfer_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("amount_cents <> 0", name=op.f("ck_ledger_posting_amount_non_zero")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["ledger_account.id"],
            name=op.f("fk_ledger_posting_account_id_ledger_account"),
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["ledger_transfer.id"],
            name=op.f("fk_ledger_posting_transfer_id_ledger_transfer"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_posting")),
    )
    op.create_index(op.f("ix_ledger_posting_account_id"), "ledger_posting", ["account_id"])
    op.create_index(op.f("ix_ledger_posting_transfer_id"), "ledger_posting", ["transfer_id"])

    op.create_table(
        "wallet",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("balance_cents", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("balance_cents >= 0", name=op.f("ck_wallet_balance_non_negative")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["ledger_account.id"], name=op.f("fk_wallet_account_id_ledger_account")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_wallet_user_id_user")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_wallet")),
        sa.UniqueConstraint("account_id", name=op.f("uq_wallet_account_id")),
    )
    op.create_table(
        "gift_send",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=80), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("gift_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("fee_cents", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("settle_after", sa.DateTime(), nullable=False),
        sa.Column("transfer_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_gift_send_amount_positive")),
        sa.CheckConstraint(
            "fee_cents >= 0 AND fee_cents <= amount_cents", name=op.f("ck_gift_send_fee_bounded")
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_gift_send_quantity_positive")),
        sa.ForeignKeyConstraint(["gift_id"], ["gift.id"], name=op.f("fk_gift_send_gift_id_gift")),
        sa.ForeignKeyConstraint(["host_id"], ["user.id"], name=op.f("fk_gift_send_host_id_user")),
        sa.ForeignKeyConstraint(["room_id"], ["room.id"], name=op.f("fk_gift_send_room_id_room")),
        sa.ForeignKeyConstraint(
            ["sender_id"], ["user.id"], name=op.f("fk_gift_send_sender_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["ledger_transfer.id"],
            name=op.f("fk_gift_send_transfer_id_ledger_transfer"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gift_send")),
        sa.UniqueConstraint("sender_id", "idempotency_key", name="uq_gift_send_sender_key"),
    )
    op.create_index(op.f("ix_gift_send_host_id"), "gift_send", ["host_id"])
    op.create_index("ix_gift_send_sender_id_created_at", "gift_send", ["sender_id", "created_at"])
    op.create_index("ix_gift_send_status_settle_after", "gift_send", ["status", "settle_after"])

    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_minor", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("is_minor")

    op.drop_index("ix_gift_send_status_settle_after", table_name="gift_send")
    op.drop_index("ix_gift_send_sender_id_created_at", table_name="gift_send")
    op.drop_index(op.f("ix_gift_send_host_id"), table_name="gift_send")

    op.drop_table("gift_send")
    op.drop_table("wallet")
    op.drop_index(op.f("ix_ledger_posting_transfer_id"), table_name="ledger_posting")
    op.drop_index(op.f("ix_ledger_posting_account_id"), table_name="ledger_posting")

    op.drop_table("ledger_posting")
    op.drop_table("ledger_account")
    op.drop_table("gift_mute")
    op.drop_index(op.f("ix_gift_merchant_id"), table_name="gift")

    op.drop_table("gift")
    op.drop_table("ledger_transfer")
