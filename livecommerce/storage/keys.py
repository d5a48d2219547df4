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

    def room_append(self, room_id: int, nonce: str) -> str:
        """The seq one append call was given, kept briefly: a client retry of the same
        call (redis-py Cluster retries after a dropped reply) gets it back, not a new one."""
        return f"{self._room(room_id)}:append:{nonce}"

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

    # --- lucky draws -----------------------------------------------------------------
    def draw_keyword(self, room_id: int, draw_id: int) -> str:
        """Set of the users who sent the draw's keyword in chat."""
        return f"{self._room(room_id)}:draw:{draw_id}:keyword"

    def draw_watch(self, room_id: int, draw_id: int) -> str:
        """Hash user id -> seconds watched while the draw was open."""
        return f"{self._room(room_id)}:draw:{draw_id}:watch"

    def draw_present(self, room_id: int, draw_id: int) -> str:
        """Sorted set of users in the room, scored by when a node last saw them there."""
        return f"{self._room(room_id)}:draw:{draw_id}:present"

    def room_media_origin(self, room_id: int) -> str:
        """ISO wall time of the show's media time 0, while its media clock runs: read
        by a node that appends to a room it has no sockets in (and so did not hear it)."""
        return f"{self._room(room_id)}:media_origin"

    def node_alive(self, node_id: str) -> str:
        """Set with a TTL by each node; its absence means the node's counts are stale."""
        return f"{self.prefix}node:{node_id}:alive"

    # --- token revocation ---------------------------------------------------------
    def _revocations(self) -> str:
        # One hash tag for all of them: the scripts that change them (and log the change)
        # touch several at once, on Redis Cluster too. Writes are rare (logouts).
        return f"{self.prefix}{{revocations}}"

    def revoked_tokens(self) -> str:
        """Sorted set of logged-out token ids, scored by when the token expires."""
        return f"{self._revocations()}:tokens"

    def raised_generations(self) -> str:
        """Hash user id -> token generation, for users whose generation was ever raised."""
        return f"{self._revocations()}:generations"

    def revocation_changes(self) -> str:
        """Sorted set of the latest changes to the two above, scored by version."""
        return f"{self._revocations()}:changes"

    def revocation_meta(self) -> str:
        """Hash with the ``version`` of the last change and the data's ``epoch`` (a
        random id: a Redis that lost its data starts a new one)."""
        return f"{self._revocations()}:meta"

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

    # --- group-buy seat gate (same hash tag as the room, so one script touches all) --
    def group_offer(self, room_id: int, offer_id: int) -> str:
        """Hash with the offer's stock, units held and per-buyer limit."""
        return f"{self._room(room_id)}:group_offer:{offer_id}"

    def group_offer_buyers(self, room_id: int, offer_id: int) -> str:
        """Hash buyer id -> units held across the offer's groups."""
        return f"{self._room(room_id)}:group_offer:{offer_id}:buyers"

    def group_gate(self, room_id: int, group_id: int) -> str:
        """Hash with the group's size, seats taken, deadline and whether it is open."""
        return f"{self._room(room_id)}:group:{group_id}"

    def group_members(self, room_id: int, group_id: int) -> str:
        """Hash ``b:<buyer>`` -> idempotency key and ``u:<buyer>`` -> units per seat."""
        return f"{self._room(room_id)}:group:{group_id}:members"

    def gate_epoch(self) -> str:
        """Set once per Redis lifetime; when it vanishes Redis has lost its data."""
        return f"{self.prefix}gate:epoch"
