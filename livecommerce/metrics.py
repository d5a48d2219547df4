"""Prometheus metrics, one registry per app so tests and several apps never collide."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        # Resident memory and CPU of this process: load tests read them to report the
        # server's memory per connection and CPU per viewer.
        ProcessCollector(registry=r)
        self.http_requests = Counter(
            "lc_http_requests", "HTTP requests by status class", ["status"], registry=r
        )
        self.ws_connections = Gauge("lc_ws_connections", "open room WebSockets", registry=r)
        self.ws_frames = Counter("lc_ws_frames_sent", "WebSocket frames sent", registry=r)
        self.ws_bytes = Counter("lc_ws_bytes_sent", "WebSocket bytes sent", registry=r)
        self.ws_dropped = Counter(
            "lc_ws_slow_consumers_dropped", "viewers cut off for falling behind", registry=r
        )
        self.orders = Counter("lc_orders", "order attempts by outcome", ["outcome"], registry=r)
        self.gate_seconds = Histogram("lc_gate_seconds", "stock gate latency", registry=r)
        self.commit_seconds = Histogram("lc_commit_seconds", "order commit latency", registry=r)
        self.media_peers = Gauge("lc_media_peers", "WebRTC peer connections", ["kind"], registry=r)
