"""What clients see of a draw: its public card, and its proof (the published data the
verifier recomputes the winners from)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from livecommerce.draws import fairness
from livecommerce.draws.events import DrawPick, DrawPrize
from livecommerce.draws.lifecycle import DrawStatus
from livecommerce.storage.models import Draw, DrawWinner


def proof_url(draw_id: int) -> str:
    return f"/draws/{draw_id}/proof"


def prize_of(draw: Draw, image_url: str = "") -> DrawPrize:
    return DrawPrize(
        kind=draw.prize_kind, product_id=draw.product_id,
        coupon_template_id=draw.coupon_template_id, title=draw.prize_title,
        value_cents=draw.prize_value_cents, image_url=image_url,
    )  # fmt: skip


def entrant_list(draw: Draw) -> list[int]:
    return [int(v) for v in draw.entrants.split("\n")] if draw.entrants else []


@dataclass(frozen=True, slots=True)
class PickView:
    user_id: int
    handle: str
    position: int
    ticket: str
    status: str
    claim_by: str
    order_id: int | None

    @classmethod
    def of(cls, pick: DrawWinner, handle: str) -> PickView:
        return cls(
            pick.user_id, handle, pick.position, pick.ticket, pick.status,
            pick.claim_by.isoformat(), pick.order_id,
        )  # fmt: skip

    def event(self) -> DrawPick:
        return DrawPick(
            user={"id": self.user_id, "handle": self.handle}, ticket=self.ticket,
            status=self.status,
        )  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id, "handle": self.handle, "position": self.position,
            "ticket": self.ticket, "status": self.status, "claim_by": self.claim_by,
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class DrawView:
    draw: Draw
    picks: list[PickView]
    image_url: str = ""

    @property
    def closed(self) -> bool:
        return self.draw.status == DrawStatus.CLOSED

    def card(self) -> dict[str, Any]:
        """The public card: everything but the seed (until the close) and the list."""
        d = self.draw
        return {
            "id": d.id, "room_id": d.room_id, "status": d.status,
            "prize": dict(prize_of(d, self.image_url)), "winners": d.winners_wanted,
            "condition": d.condition, "keyword": d.keyword, "watch_seconds": d.watch_seconds,
            "exclude_recent_days": d.exclude_recent_days,
            "created_at": d.created_at.isoformat(), "closes_at": d.closes_at.isoformat(),
            "closed_at": d.closed_at.isoformat() if d.closed_at else None,
            "commit": d.commit, "seed": d.seed_hex if self.closed else None,
            "entrant_count": d.entrant_count, "entrants_hash": d.entrants_hash or None,
            "picks": [p.as_dict() for p in self.picks], "proof_url": proof_url(d.id),
        }  # fmt: skip

    def proof(self) -> dict[str, Any]:
        """The published data: with it anyone recomputes the winners (``draw verify``)."""
        d = self.draw
        return {
            "draw_id": d.id, "room_id": d.room_id, "status": d.status,
            "rule": fairness.RULE, "winners_wanted": d.winners_wanted,
            "commit": d.commit, "seed": d.seed_hex if self.closed else None,
            "entrants_hash": d.entrants_hash or None, "entrant_count": d.entrant_count,
            "entrants": entrant_list(d) if self.closed else [],
            "winners": [p.as_dict() for p in self.picks],
            "created_at": d.created_at.isoformat(), "closes_at": d.closes_at.isoformat(),
            "closed_at": d.closed_at.isoformat() if d.closed_at else None,
            "prize": dict(prize_of(d, self.image_url)),
        }  # fmt: skip
