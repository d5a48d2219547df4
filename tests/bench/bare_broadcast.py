"""Baseline for the fan-out benchmark: a bare ``websockets`` server using ``broadcast()``.

It does the least a live room can: every ``chat.send`` becomes one envelope, serialised
once and handed to ``websockets.broadcast()`` for everyone in the room. No auth, no
storage, no coalescing. Drive it with the same generator as the real server:

    python tests/bench/bare_broadcast.py --port 8765 &
    livecommerce loadtest fanout --bare --url http://127.0.0.1:8765 --viewers 10000 \
        --chat-rate 100 --duration 20 --server-pid $!
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import defaultdict

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed

rooms: dict[int, set[ServerConnection]] = defaultdict(set)
seqs: dict[int, int] = defaultdict(int)


async def handler(ws: ServerConnection) -> None:
    assert ws.request is not None
    room = int(ws.request.path.rstrip("/").split("/")[-1].split("?")[0])
    rooms[room].add(ws)
    # Like the real server's room.snapshot: the generator counts a viewer as joined on
    # its first frame.
    await ws.send(json.dumps({"type": "room.snapshot", "room": room, "seq": seqs[room]}))
    try:
        await _relay_chat(ws, room)
    except ConnectionClosed:
        pass  # viewers of a load test just drop their sockets
    finally:
        rooms[room].discard(ws)


async def _relay_chat(ws: ServerConnection, room: int) -> None:
    async for raw in ws:
        message = json.loads(raw)
        if message.get("type") != "chat.send":
            continue
        seqs[room] += 1
        event = {
            "type": "chat.posted",
            "room": room,
            "seq": seqs[room],
            "at": time.time(),
            "data": {"body": message["data"]["body"], "user": "x"},
        }
        broadcast(rooms[room], json.dumps(event, separators=(",", ":")))


async def main(port: int) -> None:
    async with serve(handler, "127.0.0.1", port, max_queue=16, compression=None):
        await asyncio.Future()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    asyncio.run(main(parser.parse_args().port))
