"""Every Redis key the project uses, in one place.

Per-room data carries a ``{room:ID}`` hash tag so that, on Redis Cluster, all of one
room's keys land in the same slot and a Lua script may touch several of them. Keys
start with a configurable prefix so several deployments (or tests) share one Redis.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Keys:
    prefix: str = "lc:"

    def _room(self, room_id: int) -> str:
        return f"{self.prefix}{{room:{room_id}}}"

    # --- hub -------------------------------------------------------------------
    def room_log(self, room_id: int) -> str:
        """Stream of the room's sequenced events (bounded retention)."""
        return f"{self._room(room_id)}:log"

    def room_seq(self, room_id: int) -> str:
        """Counter handing out the room's event sequence numbers."""
        return f"{self._room(room_id)}:seq"

    def room_presence(self, room_id: int) -> str:
        """Hash node id -> sockets on that node (expired via node heartbeat keys)."""
        return f"{self._room(room_id)}:presence"

    def room_peak(self, room_id: int) -> str:
        """Sorted set whose one member's score is the room's peak viewer count."""
        return f"{self._room(room_id)}:viewer_peak"

    def room_unique(self, room_id: int) -> str:
        """HyperLogLog of viewer identities, for the unique-viewer figure."""
        return f"{self._room(room_id)}:unique"

    def room_likes(self, room_id: int) -> str:
        return f"{self._room(room_id)}:likes"

    def room_channel(self, room_id: int) -> str:
        """Pub/sub channel announcing the room's events to the nodes with viewers in it.

        Same hash tag as the room's stream: on Redis Cluster the append script publishes
        on it with SPUBLISH, and sharded pub/sub keeps it on the slot's own shard."""
        return f"{self._room(room_id)}:events"

    def node_alive(self, node_id: str) -> str:
        """Set with a TTL by each node; its absence means the node's counts are stale."""
        return f"{self.prefix}node:{node_id}:alive"

    # --- token revocation ---------------------------------------------------------
    def _user(self, user_id: int) -> str:
        # One hash tag per user: a token check reads both keys in one round trip,
        # on Redis Cluster too.
        return f"{self.prefix}{{user:{user_id}}}"

    def token_generation(self, user_id: int) -> str:
        """The user's token generation (copy of the user row's, never lowered)."""
        return f"{self._user(user_id)}:token-generation"

    def revoked_token(self, user_id: int, token_id: str) -> str:
        """Present while a logged-out token would still be valid (expires with it)."""
        return f"{self._user(user_id)}:revoked:{token_id}"

    # --- rate limits ------------------------------------------------------------
    def rate(self, bucket: str, subject: str) -> str:
        return f"{self.prefix}rate:{bucket}:{subject}"

    # --- stock gate -------------------------------------------------------------
    def sale_gate(self, room_id: int, sale_id: int) -> str:
        """Hash with the sale's window, quantity and reserved count."""
        return f"{self._room(room_id)}:sale:{sale_id}:gate"

    def sale_buyers(self, room_id: int, sale_id: int) -> str:
        """Hash buyer id -> units reserved by that buyer."""
        return f"{self._room(room_id)}:sale:{sale_id}:buyers"

    def sale_keys(self, room_id: int, sale_id: int) -> str:
        """Hash buyer:idempotency-key -> reservation outcome."""
        return f"{self._room(room_id)}:sale:{sale_id}:keys"

    # --- coupon claim gate ------------------------------------------------------
    def coupon_gate(self, room_id: int, drop_id: int) -> str:
        """Hash with the drop's quantity, claimed count, limit, window and open flag."""
        return f"{self._room(room_id)}:coupon:{drop_id}:gate"

    def coupon_buyers(self, room_id: int, drop_id: int) -> str:
        """Hash buyer id -> coupons of the drop that buyer claimed."""
        return f"{self._room(room_id)}:coupon:{drop_id}:buyers"

    def coupon_keys(self, room_id: int, drop_id: int) -> str:
        """Hash buyer:idempotency-key -> 1 for each claim taken."""
        return f"{self._room(room_id)}:coupon:{drop_id}:keys"

    def gate_epoch(self) -> str:
        """Set once per Redis lifetime; when it vanishes Redis has lost its data."""
        return f"{self.prefix}gate:epoch"
