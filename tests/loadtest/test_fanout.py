"""``livecommerce loadtest fanout`` against a real node, and its latency parsing."""

from __future__ import annotations

import json
import multiprocessing
import os
import pathlib
import subprocess
import sys
import threading
from multiprocessing.queues import Queue
from typing import Any

import httpx
import pytest

from livecommerce.loadtest._wsclient import _chat_latencies
from livecommerce.loadtest.fanout import collect_tallies
from tests.servers import running


def test_chat_latencies_split_at_the_servers_event_time() -> None:
    """Each load-test chat yields (send to receipt, send to the event's ``at``); the
    real server's ISO time and the bare baseline's epoch seconds both parse."""
    frame = json.dumps(
        [
            {
                "type": "chat.posted",
                "at": "2026-01-01T00:00:00.250Z",
                "data": {"body": "lt 1767225600.0"},
            },
            {"type": "chat.posted", "at": 1767225600.5, "data": {"body": "lt 1767225600.25"}},
            {"type": "chat.posted", "at": "x", "data": {"body": "hello"}},
            {"type": "sale.stock", "data": {}},
        ]
    ).encode()
    found = _chat_latencies(frame, now=1767225601.0)
    assert [total for total, _ in found] == [1.0, 0.75]
    assert [to_server for _, to_server in found] == pytest.approx([0.25, 0.25])


def test_fanout_load_reaches_every_viewer(
    server_env: dict[str, str], tmp_path: pathlib.Path
) -> None:
    """Below the viewer chat sample rate every viewer gets every message, with measured
    latencies, no disconnects and the server's memory per viewer."""
    # Every viewer comes from 127.0.0.1: past the default per-address quota.
    env = {**server_env, "LIVECOMMERCE_WS_PER_ADDRESS": "1000"}
    with running(env, tmp_path) as node:
        command = [sys.executable, "-m", "livecommerce.cli", "loadtest", "fanout"]
        command += ["--url", node.url, "--viewers", "60", "--chat-rate", "5"]
        command += ["--duration", "2", "--server-pid", str(node.process.pid), "--json"]
        out = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
        # Its test room is over: none stays live on the shop's home page.
        assert httpx.get(f"{node.url}/api/rooms?status=live").json()["rooms"] == []
    assert "loadtest: viewers joined: 60/60" in out.stderr  # progress, apart from the report
    report = json.loads(out.stdout[out.stdout.index("{") :])
    assert report["viewers_connected"] == 60
    assert report["chat_sent"] == 10
    assert report["delivery_ratio"] == 1.0
    assert report["disconnects"] == {}
    assert report["latency"]["p50_ms"] is not None
    assert report["latency_to_event"]["p50_ms"] <= report["latency"]["p50_ms"]
    assert report["latency_from_event"]["p50_ms"] <= report["latency"]["p50_ms"]
    assert report["server_kib_per_viewer"] is not None


def _dies() -> None:
    os._exit(3)


def _sends(out: Queue[dict[str, Any]]) -> None:
    # Past a pipe's 64 KiB: the sender stays alive until this is read.
    out.put({"latencies": [0.001] * 50_000})


def test_a_viewer_process_that_dies_without_its_tally_is_an_error_not_a_hang() -> None:
    """One viewer process hands over a large tally, the other dies first: the collector
    reads the first and names the second's exit code instead of waiting forever."""
    ctx = multiprocessing.get_context("fork")
    out: Queue[dict[str, Any]] = ctx.Queue()
    workers = [ctx.Process(target=_sends, args=(out,)), ctx.Process(target=_dies)]
    for worker in workers:
        worker.start()
    answer: list[BaseException] = []

    def collect() -> None:
        try:
            collect_tallies(out, workers, seconds=20)
        except RuntimeError as exc:
            answer.append(exc)

    thread = threading.Thread(target=collect, daemon=True)
    thread.start()
    thread.join(30)
    for worker in workers:
        worker.join(5)
    assert [str(e) for e in answer] == ["a viewer process died without its tally (exit codes [3])"]
    assert [w.exitcode for w in workers] == [0, 3]
