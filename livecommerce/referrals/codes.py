"""Signed referral codes: ``base64url(json).base64url(hmac-sha256)`` like the bearer tokens
(``accounts.tokens``), under a key of their own purpose so no token passes for another.

A code names its referrer, merchant, target (room or product), link and issue time. It is
not secret (it sits in a shared URL); it only has to be unforgeable and to expire.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from livecommerce.errors import BadReferralCode, ReferralCodeExpired
from livecommerce.referrals.lifecycle import TargetKind

LIFETIME = timedelta(days=90)
"""How long a shared link keeps working; the promoter's page offers fresh ones."""
MAX_CODE_LENGTH = 300


@dataclass(frozen=True, slots=True)
class Referral:
    referrer_id: int
    merchant_id: int
    kind: TargetKind
    target_id: int
    link_id: int
    issued_at: datetime

    def as_dict(self) -> dict[str, object]:
        return {
            "referrer_id": self.referrer_id, "merchant_id": self.merchant_id,
            "kind": self.kind.value, "target_id": self.target_id, "link_id": self.link_id,
            "issued_at": self.issued_at.isoformat(),
        }  # fmt: skip


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ReferralSigner:
    def __init__(self, secret_key: str) -> None:
        self._key = hmac.new(secret_key.encode(), b"referral", hashlib.sha256).digest()

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())

    def issue(self, referral: Referral) -> str:
        payload = {
            "r": referral.referrer_id, "m": referral.merchant_id, "k": referral.kind.value,
            "t": referral.target_id, "l": referral.link_id,
            "iat": int(referral.issued_at.timestamp()),
        }  # fmt: skip
        body = _b64(json.dumps(payload, separators=(",", ":")).encode())
        return f"{body}.{self._sign(body)}"

    def read(self, code: str, *, now: datetime) -> Referral:
        """The code's referral if we signed it and it has not expired."""
        if not code.isascii() or len(code) > MAX_CODE_LENGTH:
            raise BadReferralCode("this referral code is not ours")
        body, _, signature = code.partition(".")
        if not body or not hmac.compare_digest(signature, self._sign(body)):
            raise BadReferralCode("this referral code is not ours")
        try:
            p = json.loads(_unb64(body))
            referral = Referral(
                int(p["r"]), int(p["m"]), TargetKind(p["k"]), int(p["t"]), int(p["l"]),
                datetime.fromtimestamp(int(p["iat"]), UTC),
            )  # fmt: skip
        except (ValueError, KeyError, TypeError) as exc:
            raise BadReferralCode("this referral code is malformed") from exc
        if now >= referral.issued_at + LIFETIME:
            raise ReferralCodeExpired("this referral link has expired")
        return referral
