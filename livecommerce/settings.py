"""Configuration: one class read from ``LIVECOMMERCE_*`` variables.

No instance is made at import time; ``create_app(settings)`` and the CLI build one, and
tests pass their own.
"""

from __future__ import annotations

import ipaddress
import json
import re
import secrets
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from livecommerce.ice_servers import IceServer

# scheme://host[:port], what a browser sends in Origin (no path, no trailing slash).
_ORIGIN = re.compile(r"https?://(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?")


def _node_id() -> str:
    return secrets.token_hex(4)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIVECOMMERCE_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./livecommerce.db"
    """SQLite file (embedded) or ``postgresql+asyncpg://...`` (scaled)."""
    redis_url: str | None = None
    """Unset: in-process broker and stock gate. Set: Redis for fan-out, presence, gate."""
    data_dir: str = "./data"
    """Uploaded files (show covers) live under here."""
    redis_prefix: str = "lc:"
    secret_key: str = "insecure-dev-key-change-me"
    """Signs tokens, session cookies and CSRF tokens; must be equal on every node."""
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = ""
    """This node's base URL as browsers reach it; media redirects point here."""
    node_id: str = Field(default_factory=_node_id)
    cookie_secure: bool = False
    """Set on HTTPS deployments so the session cookie is only sent over TLS."""
    token_ttl_seconds: int = 7 * 24 * 3600
    token_check_cache_seconds: float = Field(default=5.0, ge=0)
    """How old a node's replica of the revoked tokens may be: a logout made on another
    node holds here within this (at once on the node that made it)."""
    token_check_stale_seconds: float = Field(default=60.0, ge=0)
    """With Redis unreachable, how much longer than ``token_check_cache_seconds`` a node
    goes on checking tokens against its last replica; past it checks answer 503."""
    login_attempts_per_minute: int = 10
    """Per handle: the guard against guessing one account's password."""
    login_failures_per_address_per_minute: int = 100
    """Per client address, failed logins only: the much looser guard against trying one
    password on many handles. A correct login does not count."""
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """IPs or CIDRs of the reverse proxies in front of the node (a JSON list or commas).
    Only a request whose direct peer is one of them has ``client_ip_header`` believed."""
    client_ip_header: str = "x-forwarded-for"
    """The header trusted proxies name the client in (``x-real-ip`` also works)."""
    password_hash_memory_kib: int = 65536
    """Argon2id memory cost; tests lower it to keep the suite fast."""
    max_request_bytes: int = 64 * 1024
    ws_tick_ms: int = Field(default=50, ge=1, le=5000)
    """Shortest wait between two frames to a room's sockets (events in between share one)."""
    ws_frames_per_second: int = Field(default=25_000, ge=100)
    """Frames per second one node writes to a room; a bigger room waits longer between
    frames so its fan-out stays within this (a loopback write costs ~10 us)."""
    viewer_chat_rate: int = Field(default=20, ge=1)
    """Chat messages per second a viewer sees at most; above it, viewers get an even
    sample (the host and moderators see everything)."""
    media_max_viewers: int = 200
    """WebRTC viewers one node relays to; past it WHEP answers 503 with Retry-After."""
    media_ice_servers: list[IceServer] = Field(default_factory=list)
    """STUN/TURN servers for the node's peer connections, also sent to WHIP/WHEP clients
    (a JSON list of URLs, or of ``{"urls", "username", "credential"}`` for TURN)."""
    media_cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["*"])
    """Origins whose pages may publish and watch over WHIP/WHEP (a JSON list or commas);
    ``*`` is any. Media requests carry bearer tokens, never cookies, so no credentials."""
    media_connect_timeout: float = 20.0
    """Seconds a new peer connection gets to connect before it is closed."""
    media_recording: bool = True
    """Record H.264 shows into fMP4 segments (the replay and the live HLS playlist)."""
    media_segment_seconds: float = Field(default=2.0, gt=0.5, le=10)
    """Target HLS segment length; segments cut on the first keyframe past it."""
    media_part_seconds: float = Field(default=0.5, ge=0.2, le=2)
    """LL-HLS partial segment length: players hold back three of them from live."""
    media_store: Literal["local", "s3"] = "local"
    """Where segments go: a directory (``media_dir``) or an S3-compatible bucket."""
    media_dir: str = ""
    """The local store's directory; empty means ``<data_dir>/media``."""
    media_s3_bucket: str = ""
    media_s3_endpoint_url: str = ""
    """Empty for AWS itself; e.g. ``http://minio:9000`` for MinIO."""
    media_s3_region: str = "us-east-1"
    media_s3_access_key: str = ""
    """Empty: boto3's own credential chain (environment, instance role)."""
    media_s3_secret_key: str = ""

    library_log_level: Literal["debug", "info", "warning", "error"] = "warning"
    """Level of the chatty libraries' loggers (aioice and aiortc log every ICE state
    change at INFO; alembic every migration step); ``serve --verbose`` logs them at
    the node's level."""

    analytics_enabled: bool = True
    """Keep the show ledger's viewer funnel (joins, leaves, beacons, timeline): off, the
    node counts nothing of it (order rows are written with the orders either way)."""
    analytics_flush_seconds: float = Field(default=5.0, gt=0, le=300)
    """How often a node writes its ledger counts; live stats lag by up to this."""

    heap_freeze: bool = True
    """Freeze long-lived objects so full garbage collections stay short (livecommerce.heap);
    off: CPython's plain collector."""

    payments_sandbox: bool = False
    """Offer the built-in sandbox provider, which lets a buyer mark an order paid without
    money. Unset, it follows the shape: on with SQLite (embedded, demo), off with
    PostgreSQL, so a production deployment that forgets it does not give goods away."""
    payment_webhook_secret: str = ""
    """Shared secret for signed payment webhooks; empty means the secret key."""

    redis_cluster: bool = False
    """``LIVECOMMERCE_REDIS_URL`` names one node of a Redis Cluster: talk to it with a
    cluster client and sharded pub/sub (the other nodes are discovered from it)."""

    @field_validator("trusted_proxies", "media_cors_origins", mode="before")
    @classmethod
    def _proxy_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            return (
                json.loads(text)
                if text.startswith("[")
                else [part.strip() for part in text.split(",") if part.strip()]
            )
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            ipaddress.ip_network(entry, strict=False)  # a typo fails at start, not silently
        return value

    @field_validator("media_cors_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for entry in value:
            if entry != "*" and not _ORIGIN.fullmatch(entry):
                raise ValueError(
                    f"{entry!r} is not an origin: give scheme://host[:port] "
                    "(no path, no trailing slash) or *"
                )
        return value

    @model_validator(mode="before")
    @classmethod
    def _sandbox_follows_shape(cls, data: Any) -> Any:
        # Runs on the merged values (arguments, then environment), so "unset" means
        # set nowhere; an explicit value, even a false one, always wins.
        if isinstance(data, dict) and data.get("payments_sandbox") is None:
            url = str(data.get("database_url") or cls.model_fields["database_url"].default)
            data = {**data, "payments_sandbox": url.startswith("sqlite")}
        return data

    def sandbox_notice(self) -> str:
        """One log line saying whether buyers can pay with the sandbox, and why."""
        if self.payments_sandbox and self.is_sqlite():
            return "payments: sandbox provider ON (embedded SQLite default); no money is taken"
        if self.payments_sandbox:
            return (
                "payments: sandbox provider ON (LIVECOMMERCE_PAYMENTS_SANDBOX=true): "
                "buyers can mark orders paid without paying"
            )
        if self.is_sqlite():
            return "payments: sandbox provider OFF (LIVECOMMERCE_PAYMENTS_SANDBOX=false)"
        return (
            "payments: sandbox provider OFF (PostgreSQL default; "
            "LIVECOMMERCE_PAYMENTS_SANDBOX=true turns it on)"
        )

    order_deliver_after_days: float = Field(default=10, gt=0)
    """A shipped order nobody confirmed is delivered this many days after shipping."""
    order_return_window_days: float = Field(default=7, gt=0)
    """Days after delivery in which a buyer may return an order without a reason."""
    refund_max_attempts: int = Field(default=5, ge=1)
    """Times the refund loop asks a provider for one refund before marking it failed
    (the merchant sees it and may retry)."""
    sandbox_refuse_refunds: bool = False
    """Test switch: the sandbox providers refuse every refund."""
    order_retention_days: int = Field(default=3 * 365, ge=1)
    """How long orders, payments, refunds and their audit rows are kept. The app never
    deletes them; this is the promise for a purge job run outside normal operations."""
    group_hours: float = Field(default=24, gt=0)
    """A group offer's time limit when the merchant names none: a group that has not
    filled this long after it opened fails, and its paid members are refunded."""
    group_sweep_seconds: float = Field(default=2.0, gt=0)
    """How often each node looks for groups to complete, fail and refund."""
    recording_retention_days: int = Field(default=365, ge=1)
    """Days after a show ends that its recording (the replay's video) is kept; a
    supervised loop deletes older ones from storage."""
    test_crash_after_commit: str = ""
    """Test hook, never for production: exit the process right after committing an event
    of this type, before it is published (the outbox crash test)."""
    test_crash_after_payout: bool = False
    """Test hook: the process dies right after a provider paid a refund, before the
    settle commit (the refund crash test)."""

    def node_public_url(self) -> str:
        return self.public_url.rstrip("/") or f"http://{self.host}:{self.port}"

    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    reminder_lead_minutes: int = Field(default=10, ge=0, le=24 * 60)
    """Subscribers of an upcoming show are reminded this long before its scheduled start,
    and again when it starts; 0: only at the start."""
    reminder_chunk: int = Field(default=2000, ge=1)
    """Subscribers notified per transaction: small enough that the room's chat, which
    shares SQLite's one writer, waits for one chunk at most."""
    follows_tick_seconds: float = Field(default=1.0, gt=0)
    """How often each node looks for due reminder rounds and due webhook deliveries."""
    notification_poll_seconds: float = Field(default=15.0, gt=0)
    """How often an open page asks for its badge (a cheap 304 when nothing is new)."""
    webhook_allow_loopback: bool = False
    """Let merchants' webhooks point at 127.0.0.0/8 and ::1. For tests and a receiver
    on the same machine only: otherwise a webhook could make the server call into
    itself. Private and link-local addresses are refused whatever this says."""
    webhook_retry_base_seconds: float = Field(default=10.0, gt=0)
    """A failed delivery is retried after this, then twice as long each time."""
    webhook_max_attempts: int = Field(default=8, ge=1, le=30)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)

    ws_per_address: int = Field(default=50, ge=1)
    """Room sockets one client address may hold open on a node; the next is closed with
    4429. Generous because a household or an office shares one address."""
    ws_per_user: int = Field(default=10, ge=1)
    """Room sockets one logged-in user may hold open on a node (a few tabs and devices)."""
    redis_max_connections: int = Field(default=128, ge=2)
    """The node's Redis connection pool. A command finding every connection busy waits
    for one (up to 5 s) instead of failing, so a burst of joins queues, not errors."""

    gift_max_cents_per_send: int = Field(default=50_000, ge=1)
    """The most one gift send may cost (price x quantity); more is refused (gift_over_cap)."""
    gift_max_cents_per_day: int = Field(default=200_000, ge=1)
    """The most one viewer may spend on gifts per UTC day."""
    gift_max_cents_per_month: int = Field(default=1_000_000, ge=1)
    """The most one viewer may spend on gifts per UTC calendar month."""
    gift_max_top_up_cents: int = Field(default=1_000_000, ge=1)
    """The largest single wallet top-up."""
    gift_platform_fee_percent: int = Field(default=30, ge=0, le=100)
    """The platform's share of each gift (rounded down); the rest is owed to the host."""
    gift_settle_after_seconds: float = Field(default=3 * 24 * 3600, ge=0)
    """How long a gift's money stays payable (reversible by the platform) before the
    settlement loop makes it available to the host."""
    gift_settle_interval_seconds: float = Field(default=30, gt=0)
    """How often each node's settlement loop looks for gifts past their delay."""
    gift_room_events_per_second: int = Field(default=20, ge=1)
    """Gift events per second one node sends a room one by one; past it, sends are
    folded into one ``gift.combo`` per tick (counts per sender and gift, nothing dropped)."""
    gift_combo_tick_ms: int = Field(default=500, ge=10, le=10_000)
    """How often a room's folded gifts go out as ``gift.combo``."""
