"""Fan-out benchmark: the hub over uvicorn against a bare ``websockets`` broadcast() server.

Not a test (pytest does not collect it). Both servers run in a child process, on the
same box, with the same number of viewers and the same event rate; viewers measure
delivery and latency (publish time is inside each event)::

    /work/venv/bin/python tests/bench/fanout.py --clients 300 --rate 100 --seconds 5

The hub coalesces a room's events into one frame per tick (50 ms) under load, so it
sends fewer, larger frames than the baseline, which sends one frame per event.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import time
from collections.abc import Mapping
from typing import Any

import uvicorn
from fastapi import FastAPI, WebSocket
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, broadcast, serve

from livecommerce.hub import Hub, Outbox
from livecommerce.storage.keys import Keys

ROOM = 1


async def publish_loop(
    publish: Any, viewers: Any, clients: int, rate: float, seconds: float
) -> None:
    while viewers() < clients:  # noqa: ASYNC110 - both servers expose a count only
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)
    for i in range(int(rate * seconds)):
        await publish({"i": i, "t": time.time()})
        await asyncio.sleep(1 / rate)
    await publish({"done": True, "t": time.time()})


def run_hub(port: int, clients: int, rate: float, seconds: float) -> None:
    hub = Hub(Keys(), None, "bench")
    app = FastAPI()

    async def nothing(seq: int) -> Mapping[str, Any]:
        return {}

    @app.websocket("/ws")
    async def socket(websocket: WebSocket) -> None:
        await websocket.accept()
        outbox = Outbox(max_frames=4096, max_bytes=16 << 20)
        member = await hub.join(ROOM, outbox, since=0, snapshot=nothing)

        async def write() -> None:
            while (frame := await outbox.next_frame()) is not None:
                await websocket.send_text(frame.decode())

        writer = asyncio.create_task(write())
        try:
            while (await websocket.receive())["type"] != "websocket.disconnect":
                pass
        finally:
            hub.detach(member)
            writer.cancel()

    async def main() -> None:
        await hub.start()
        server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning"))

        async def publish(data: dict[str, Any]) -> None:
            await hub.publish(ROOM, "sale.stock", data)

        publisher = asyncio.create_task(
            publish_loop(publish, lambda: hub.local_viewers(ROOM), clients, rate, seconds)
        )
        await server.serve()
        publisher.cancel()

    asyncio.run(main())


def run_baseline(port: int, clients: int, rate: float, seconds: float) -> None:
    connections: set[ServerConnection] = set()
    seq = 0

    async def handler(websocket: ServerConnection) -> None:
        connections.add(websocket)
        try:
            await websocket.wait_closed()
        finally:
            connections.discard(websocket)

    async def publish(data: dict[str, Any]) -> None:
        nonlocal seq
        seq += 1
        message = json.dumps({"type": "sale.stock", "room": ROOM, "seq": seq, "at": "",
                              "data": data}, separators=(",", ":"))  # fmt: skip
        broadcast(connections, message)

    async def main() -> None:
        async with serve(handler, "127.0.0.1", port):
            await publish_loop(publish, lambda: len(connections), clients, rate, seconds)
            await asyncio.sleep(3600)

    asyncio.run(main())


async def viewer(url: str, latencies: list[float], counts: list[int]) -> None:
    events = frames = 0
    async with connect(url, max_size=None) as socket:
        async for raw in socket:
            now = time.time()
            frames += 1
            decoded = json.loads(raw)
            for event in decoded if isinstance(decoded, list) else [decoded]:
                data = event.get("data", {})
                if "t" not in data:
                    continue
                if data.get("done"):
                    counts.append(events)
                    counts.append(-frames)
                    return
                events += 1
                latencies.append(now - data["t"])


async def measure(url: str, clients: int) -> dict[str, float]:
    latencies: list[float] = []
    counts: list[int] = []
    await asyncio.gather(*(viewer(url, latencies, counts) for _ in range(clients)))
    events = [c for c in counts if c >= 0]
    frames = [-c for c in counts if c < 0]
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {"events/viewer": statistics.mean(events), "frames/viewer": statistics.mean(frames),
            "p50 ms": quantiles[49] * 1000, "p99 ms": quantiles[98] * 1000}  # fmt: skip


def bench(name: str, target: Any, port: int, args: argparse.Namespace) -> None:
    process = multiprocessing.get_context("spawn").Process(
        target=target, args=(port, args.clients, args.rate, args.seconds), daemon=True
    )
    process.start()
    try:
        time.sleep(1.5)
        path = "/ws" if target is run_hub else "/"
        result = asyncio.run(measure(f"ws://127.0.0.1:{port}{path}", args.clients))
    finally:
        process.kill()
        process.join(5)
    expected = int(args.rate * args.seconds)
    print(
        f"{name:>9}: expected {expected} events/viewer; "
        + ", ".join(f"{k} {v:.1f}" for k, v in result.items())
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rate", type=float, default=100.0, help="events per second")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--port", type=int, default=18765)
    args = parser.parse_args()
    print(f"{args.clients} viewers, {args.rate:g} events/s for {args.seconds:g} s, one room")
    bench("hub", run_hub, args.port, args)
    bench("baseline", run_baseline, args.port + 1, args)


if __name__ == "__main__":
    main()
