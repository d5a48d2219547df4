"""draw coupon prizes and address-book claims: a draw's coupon template and private
batch, a pick's coupon, private coupon drops; a pick's free-text address goes (claimed
product prizes ship to the order's address copy)

Revision ID: c21d0e000001
Revises: c20p0e000001
Create Date: 2026-12-20
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c21d0e000001"
down_revision: str | None = "c20p0e000001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("coupon_drop", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("private", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("draw", schema=None) as batch_op:
        batch_op.add_column(sa.Column("coupon_template_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("coupon_drop_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_draw_coupon_template_id_coupon_template"),
            "coupon_template", ["coupon_template_id"], ["id"],
        )  # fmt: skip
        batch_op.create_foreign_key(
            batch_op.f("fk_draw_coupon_drop_id_coupon_drop"),
            "coupon_drop", ["coupon_drop_id"], ["id"],
        )  # fmt: skip
    with op.batch_alter_table("draw_winner", schema=None) as batch_op:
        batch_op.add_column(sa.Column("coupon_claim_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_draw_winner_coupon_claim_id_coupon_claim"),
            "coupon_claim", ["coupon_claim_id"], ["id"],
        )  # fmt: skip
        batch_op.drop_column("claim_address")


def downgrade() -> None:
    with op.batch_alter_table("draw_winner", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("claim_address", sa.Text(), nullable=False, server_default="")
        )
        batch_op.drop_constraint(
            batch_op.f("fk_draw_winner_coupon_claim_id_coupon_claim"), type_="foreignkey"
        )
        batch_op.drop_column("coupon_claim_id")
    with op.batch_alter_table("draw", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_draw_coupon_drop_id_coupon_drop"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_draw_coupon_template_id_coupon_template"), type_="foreignkey"
        )
        batch_op.drop_column("coupon_drop_id")
        batch_op.drop_column("coupon_template_id")
    with op.batch_alter_table("coupon_drop", schema=None) as batch_op:
        batch_op.drop_column("private")
