"""Configuration: one class read from ``LIVECOMMERCE_*`` variables.

No instance is made at import time; ``create_app(settings)`` and the CLI build one, and
tests pass their own.
"""

from __future__ import annotations

import secrets

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _node_id() -> str:
    return secrets.token_hex(4)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIVECOMMERCE_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./livecommerce.db"
    """SQLite file (embedded) or ``postgresql+asyncpg://...`` (scaled)."""
    redis_url: str | None = None
    """Unset: in-process broker and stock gate. Set: Redis for fan-out, presence, gate."""
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
    login_attempts_per_minute: int = 10
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
    media_ice_servers: list[str] = Field(default_factory=list)
    """STUN/TURN URLs for the node's peer connections (JSON list in the environment)."""
    media_connect_timeout: float = 20.0
    """Seconds a new peer connection gets to connect before it is closed."""

    heap_freeze: bool = True
    """Freeze long-lived objects so full garbage collections stay short (livecommerce.heap);
    off: CPython's plain collector."""

    payments_sandbox: bool = True
    """Offer the built-in sandbox provider, which marks orders paid without money.
    Turn it off in production."""
    payment_webhook_secret: str = ""
    """Shared secret for signed payment webhooks; empty means the secret key."""

    redis_cluster: bool = False
    """``LIVECOMMERCE_REDIS_URL`` names one node of a Redis Cluster: talk to it with a
    cluster client and sharded pub/sub (the other nodes are discovered from it)."""

    def node_public_url(self) -> str:
        return self.public_url.rstrip("/") or f"http://{self.host}:{self.port}"

    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    ws_per_address: int = Field(default=50, ge=1)
    """Room sockets one client address may hold open on a node; the next is closed with
    4429. Generous because a household or an office shares one address."""
    ws_per_user: int = Field(default=10, ge=1)
    """Room sockets one logged-in user may hold open on a node (a few tabs and devices)."""
    redis_max_connections: int = Field(default=128, ge=2)
    """The node's Redis connection pool. A command finding every connection busy waits
    for one (up to 5 s) instead of failing, so a burst of joins queues, not errors."""
