"""follows and reminders: follows, reminders and their rounds, notifications, webhooks;
coupons may be for followers

Revision ID: c19f0e000001
Revises: c17l0e000001
Create Date: 2026-12-12
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c19f0e000001"
down_revision: str | None = "c17l0e000001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUDIENCES_BEFORE = "audience IN ('everyone', 'first_time')"
AUDIENCES_AFTER = "audience IN ('everyone', 'first_time', 'followers')"


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}")


def _follows() -> None:
    op.create_table(
        "follow",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("follower_id", sa.Integer(), nullable=False),
        sa.Column("followee_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("follower_id <> followee_id", name=op.f("ck_follow_not_self")),
        _fk("follow", "follower_id", "user"),
        _fk("follow", "followee_id", "user"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow")),
        sa.UniqueConstraint("follower_id", "followee_id", name="uq_follow_pair"),
    )
    op.create_index(op.f("ix_follow_followee_id"), "follow", ["followee_id"])
    op.create_table(
        "reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("reminder", "room_id", "room"),
        _fk("reminder", "user_id", "user"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder")),
        sa.UniqueConstraint("room_id", "user_id", name="uq_reminder_pair"),
    )
    op.create_index("ix_reminder_room_id_id", "reminder", ["room_id", "id"])
    op.create_index(op.f("ix_reminder_user_id"), "reminder", ["user_id"])


def _rounds() -> None:
    op.create_table(
        "reminder_round",
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("cursor", sa.Integer(), nullable=False),
        sa.Column("notified", sa.Integer(), nullable=False),
        sa.Column("leased_until", sa.DateTime(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("kind IN ('soon', 'start')", name=op.f("ck_reminder_round_kind")),
        _fk("reminder_round", "room_id", "room"),
        sa.PrimaryKeyConstraint("room_id", "kind", name=op.f("pk_reminder_round")),
    )
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("kind IN ('soon', 'start')", name=op.f("ck_notification_kind")),
        _fk("notification", "user_id", "user"),
        _fk("notification", "room_id", "room"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    op.create_index("ix_notification_user_id_id", "notification", ["user_id", "id"])


def _webhooks() -> None:
    op.create_table(
        "webhook_endpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("secret", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("webhook_endpoint", "merchant_id", "user"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoint")),
    )
    op.create_index(op.f("ix_webhook_endpoint_merchant_id"), "webhook_endpoint", ["merchant_id"])
    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("endpoint_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("leased_until", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'delivered', 'failed')", name=op.f("ck_webhook_delivery_status")
        ),
        _fk("webhook_delivery", "endpoint_id", "webhook_endpoint"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_delivery")),
    )
    op.create_index("ix_webhook_delivery_due", "webhook_delivery", ["status", "next_attempt_at"])
    op.create_index(op.f("ix_webhook_delivery_endpoint_id"), "webhook_delivery", ["endpoint_id"])


def _audiences(check: str) -> None:
    with op.batch_alter_table("coupon_template", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_coupon_template_audience"), type_="check")
        batch_op.create_check_constraint(op.f("ck_coupon_template_audience"), check)


def upgrade() -> None:
    _follows()
    _rounds()
    _webhooks()
    _audiences(AUDIENCES_AFTER)


def downgrade() -> None:
    _audiences(AUDIENCES_BEFORE)
    for table in (
        "webhook_delivery", "webhook_endpoint", "notification", "reminder_round", "reminder",
        "follow",
    ):  # fmt: skip
        op.drop_table(table)
