"""Share links, referral codes, promoters and payouts (分销) over the JSON API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from livecommerce.errors import PermissionDenied
from livecommerce.referrals import commands, export, views
from livecommerce.referrals.codes import MAX_CODE_LENGTH, ReferralSigner
from livecommerce.referrals.lifecycle import MAX_LEVELS, MAX_RATE_BP, TargetKind
from livecommerce.referrals.rules import Rules, rules_of
from livecommerce.resources import Resources
from livecommerce.routes._fields import BodyId, RowId
from livecommerce.routes.deps import CurrentUser, ResourcesDep
from livecommerce.storage.models import utcnow

router = APIRouter(tags=["referrals"])

Code = Annotated[str, Query(min_length=1, max_length=MAX_CODE_LENGTH, pattern=r"^[A-Za-z0-9_.-]+$")]


def signer(resources: Resources) -> ReferralSigner:
    return ReferralSigner(resources.settings.secret_key)


def _merchant(caller: CurrentUser) -> int:
    if caller.role not in ("merchant", "admin"):
        raise PermissionDenied("only merchants manage promoters")
    return caller.user_id


class ShareRequest(BaseModel):
    kind: TargetKind
    target_id: BodyId


class ArriveRequest(BaseModel):
    code: str = Field(min_length=1, max_length=MAX_CODE_LENGTH)


class ApplyRequest(BaseModel):
    merchant_id: BodyId


class RulesBody(BaseModel):
    requires_approval: bool = False
    window_days: int = Field(7, ge=1, le=365)
    rate_bp: int = Field(0, ge=0, le=MAX_RATE_BP)
    levels: int = Field(1, ge=1, le=MAX_LEVELS)
    second_rate_bp: int = Field(0, ge=0, le=MAX_RATE_BP)
    group_buys: bool = False


class RateBody(BaseModel):
    rate_bp: int | None = Field(None, ge=0, le=MAX_RATE_BP)


@router.post("/api/share-links", status_code=201)
async def create_share_link(
    body: ShareRequest, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, Any]:
    """The caller's share link to a room or product (the same one again if taken before)."""
    link = await commands.share_link(
        resources.db, signer(resources), user_id=caller.user_id, kind=body.kind,
        target_id=body.target_id, now=utcnow(),
    )  # fmt: skip
    url = resources.settings.node_public_url() + link.path
    return {**link.as_dict(), "url": url}


@router.get("/api/referrals/resolve")
async def resolve_code(code: Code, resources: ResourcesDep) -> dict[str, object]:
    """What a referral code says: 422 ``invalid_referral_code`` for a forged or
    malformed one, 422 ``referral_code_expired`` for an old one."""
    return signer(resources).read(code, now=utcnow()).as_dict()


@router.post("/api/referrals/arrive")
async def arrive(
    body: ArriveRequest, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, Any]:
    """Bind the caller to the code's referrer (first touch); apps call this on a deep link."""
    referral, binding = await commands.arrive(
        resources.db, signer(resources), code=body.code, visitor_id=caller.user_id, now=utcnow()
    )
    return {"referral": referral.as_dict(), "binding": binding.as_dict() if binding else None}


@router.get("/api/me/promotions")
async def my_promotions(caller: CurrentUser, resources: ResourcesDep) -> dict[str, Any]:
    async with resources.db.read() as session:
        return await views.my_promotions(session, caller.user_id)


@router.post("/api/promoters/apply")
async def apply(body: ApplyRequest, caller: CurrentUser, resources: ResourcesDep) -> dict[str, str]:
    status = await commands.apply(
        resources.db, user_id=caller.user_id, merchant_id=body.merchant_id, now=utcnow()
    )
    return {"status": status}


@router.get("/api/merchant/promoters")
async def promoters(caller: CurrentUser, resources: ResourcesDep) -> dict[str, Any]:
    merchant = _merchant(caller)
    async with resources.db.read() as session:
        return {"promoters": await views.merchant_promoters(session, merchant)}


@router.post("/api/merchant/promoters/{user_id}/{decision}")
async def decide(
    user_id: RowId, decision: str, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, str]:
    if decision not in ("approve", "reject"):
        raise PermissionDenied("a promoter is approved or rejected")
    status = await commands.decide(
        resources.db, merchant_id=_merchant(caller), user_id=user_id,
        approve=decision == "approve", now=utcnow(),
    )  # fmt: skip
    return {"status": status}


@router.get("/api/merchant/referral-settings")
async def get_rules(caller: CurrentUser, resources: ResourcesDep) -> dict[str, object]:
    async with resources.db.read() as session:
        return (await rules_of(session, _merchant(caller))).as_dict()


@router.put("/api/merchant/referral-settings")
async def put_rules(
    body: RulesBody, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, object]:
    rules = Rules(**body.model_dump())
    await commands.update_rules(resources.db, merchant_id=_merchant(caller), rules=rules)
    return rules.as_dict()


@router.put("/api/merchant/products/{product_id}/commission")
async def put_product_rate(
    product_id: RowId, body: RateBody, caller: CurrentUser, resources: ResourcesDep
) -> dict[str, int | None]:
    await commands.set_product_rate(
        resources.db, merchant_id=_merchant(caller), product_id=product_id, rate_bp=body.rate_bp
    )
    return {"product_id": product_id, "rate_bp": body.rate_bp}


@router.get("/api/merchant/payouts.csv", response_class=StreamingResponse)
async def payouts(caller: CurrentUser, resources: ResourcesDep) -> StreamingResponse:
    """Payable commissions, one row each, streamed as CSV."""
    rows = export.payouts_csv(resources.db, merchant_id=_merchant(caller))
    headers = {"Content-Disposition": 'attachment; filename="payouts.csv"'}
    return StreamingResponse(rows, media_type="text/csv; charset=utf-8", headers=headers)
