"""Prometheus metrics, one registry per app so tests and several apps never collide."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, ClassVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from livecommerce.heap import HeapSteward

if TYPE_CHECKING:  # the media package imports aiortc; metrics must stay light
    from livecommerce.media.node import MediaStats


@dataclass
class SendTally:
    """WebSocket frames and bytes sent, as plain integers.

    Counted once per socket per frame, so at 10,000 viewers a Prometheus ``inc()``
    (with its lock) would be called 10,000 times a frame; the collector below reads
    these totals at scrape time instead.
    """

    frames: int = 0
    bytes: int = 0
    dropped: int = 0
    # Sockets served by the direct sink (routes/_ws_sinks.py): zero under uvicorn means
    # the fast path was lost, say to a server upgrade.
    direct: int = 0

    def sent(self, size: int) -> None:
        self.frames += 1
        self.bytes += size


class _SendCollector(Collector):
    def __init__(self, tally: SendTally) -> None:
        self._tally = tally

    def collect(self) -> Iterator[CounterMetricFamily]:
        t = self._tally
        yield CounterMetricFamily("lc_ws_frames_sent", "WebSocket frames sent", value=t.frames)
        yield CounterMetricFamily("lc_ws_bytes_sent", "WebSocket bytes sent", value=t.bytes)
        yield CounterMetricFamily(
            "lc_ws_slow_consumers_dropped",
            "viewers cut off for falling behind",
            value=t.dropped,
        )
        yield CounterMetricFamily(
            "lc_ws_direct_sockets", "room sockets written straight to the transport", t.direct
        )


class _HeapCollector(Collector):
    """The heap steward's garbage-collection figures; ``lc_`` so they never clash with
    prometheus_client's own ``python_gc_*`` (default registry only)."""

    def __init__(self, steward: HeapSteward) -> None:
        self._steward = steward

    def collect(self) -> Iterator[Metric]:
        s = self._steward
        label = ["generation"]
        paused = CounterMetricFamily("lc_gc_pause_seconds", "time in collections", labels=label)
        longest = GaugeMetricFamily("lc_gc_pause_seconds_max", "longest collection", labels=label)
        passes = CounterMetricFamily("lc_gc_collections", "garbage collections", labels=label)
        for generation, count in enumerate(s.collections):
            paused.add_metric([str(generation)], s.pause_seconds[generation])
            longest.add_metric([str(generation)], s.pause_max_seconds[generation])
            passes.add_metric([str(generation)], count)
        yield from (paused, longest, passes)
        yield CounterMetricFamily("lc_gc_freezes", "heap freezes after full passes", s.freezes)
        yield CounterMetricFamily(
            "lc_gc_reclaims", "full passes over the thawed heap for closed sockets", s.reclaims
        )


class _MediaCollector(Collector):
    """The media node's figures, read at scrape time: a gauge set when peers come and go
    was stale after every viewer that left or failed without a request."""

    # MediaStats field -> (metric name, help); the two gauges are peers now.
    COUNTERS: ClassVar[dict[str, tuple[str, str]]] = {
        "publishes_total": ("lc_media_publishes", "host publishes accepted"),
        "watches_total": ("lc_media_watches", "viewer sessions accepted"),
        "frames_received": ("lc_media_frames_received", "video frames from hosts"),
        "frames_forwarded": ("lc_media_frames_forwarded", "video frames sent to viewers"),
        "bytes_forwarded": ("lc_media_bytes_forwarded", "media bytes sent to viewers"),
        "frames_skipped": ("lc_media_frames_skipped", "frames a slow viewer did not get"),
        "keyframe_requests": ("lc_media_keyframe_requests", "keyframes asked of hosts"),
        "peers_failed": ("lc_media_peers_failed", "peer connections that failed"),
        "peers_timed_out": ("lc_media_peers_timed_out", "peers that never connected"),
    }

    def __init__(self, stats: Callable[[], MediaStats]) -> None:
        self._stats = stats

    def collect(self) -> Iterator[Metric]:
        figures = asdict(self._stats())
        peers = GaugeMetricFamily("lc_media_peers", "WebRTC peer connections", labels=["kind"])
        peers.add_metric(["host"], figures["publishers"])
        peers.add_metric(["viewer"], figures["viewers"])
        yield peers
        for field, (name, help_text) in self.COUNTERS.items():
            yield CounterMetricFamily(name, help_text, value=figures[field])


@dataclass(frozen=True, slots=True)
class LedgerHealth:
    """The show ledger's node health (never its business figures: those are its API's)."""

    pending_rows: int
    dropped_rows: int
    flush_failures: int


class _LedgerCollector(Collector):
    def __init__(self, health: Callable[[], LedgerHealth]) -> None:
        self._health = health

    def collect(self) -> Iterator[Metric]:
        h = self._health()
        yield GaugeMetricFamily(
            "lc_ledger_pending_rows", "ledger rows waiting for the next flush", h.pending_rows
        )
        yield CounterMetricFamily(
            "lc_ledger_dropped_rows", "ledger rows dropped past the pending bound", h.dropped_rows
        )
        yield CounterMetricFamily(
            "lc_ledger_flush_failures", "ledger flushes that failed (rows kept)", h.flush_failures
        )


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
        self.ws_sent = SendTally()
        r.register(_SendCollector(self.ws_sent))
        self.orders = Counter("lc_orders", "order attempts by outcome", ["outcome"], registry=r)
        self.gate_seconds = Histogram("lc_gate_seconds", "stock gate latency", registry=r)
        self.commit_seconds = Histogram("lc_commit_seconds", "order commit latency", registry=r)

    def watch_media(self, stats: Callable[[], MediaStats]) -> None:
        """Export the media node's figures, read from ``stats`` at each scrape."""
        self.registry.register(_MediaCollector(stats))

    def watch_ledger(self, health: Callable[[], LedgerHealth]) -> None:
        """Export the show ledger's health, read from ``health`` at each scrape."""
        self.registry.register(_LedgerCollector(health))

    def watch_heap(self, steward: HeapSteward) -> None:
        """Export ``steward``'s figures; only ``livecommerce serve`` has one."""
        self.registry.register(_HeapCollector(steward))
