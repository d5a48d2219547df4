"""The rooms a load test makes, and ends when it is done, so no test room stays live
on the shop's home page."""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field

from livecommerce.loadtest import _buyers
from livecommerce.loadtest._http import Connection, expect
from livecommerce.loadtest.progress import note


@dataclass
class FanoutRooms:
    rooms: list[int] = field(default_factory=list)
    chatters: list[str] = field(default_factory=list)
    host_token: str = ""
    """Ends the rooms afterwards (none with ``--bare``: those rooms are not ours)."""


async def setup_fanout_rooms(args: argparse.Namespace, setup: FanoutRooms) -> None:
    """Fill ``setup`` as it goes, so rooms made before a failure are still ended."""
    if args.bare:
        setup.rooms = list(range(1, args.rooms + 1))
        setup.chatters = ["" for _ in range(args.chatters)]
        args.product_id = 1  # what beacons name: the bare server knows no products
        return
    note(f"setting up {args.rooms} live room(s)")
    conn = Connection(args.url)
    tag = f"{int(time.time()) % 10**6}"
    _, merchant, _ = await _buyers.signup(conn, f"lt_fm{tag}", "merchant")
    host, setup.host_token, _ = await _buyers.signup(conn, f"lt_fh{tag}", "host")
    product = await expect(
        conn,
        "POST",
        "/api/products",
        {"title": "Fan-out test", "price_cents": 100, "stock": 1},
        token=merchant,
        status=201,
    )
    args.product_id = product["id"]  # what --beacon-share's beacons name
    for i in range(args.rooms):
        body = {
            "title": f"Fan-out {tag}-{i}",
            "host": host,
            "scheduled_at": "2030-01-01T00:00:00Z",
            "product_ids": [product["id"]],
        }
        room = await expect(conn, "POST", "/api/rooms", body, token=merchant, status=201)
        setup.rooms.append(int(room["id"]))
        await expect(conn, "POST", f"/api/rooms/{room['id']}/start", token=setup.host_token)
    await conn.close()
    args.buyers = args.chatters
    setup.chatters = [token for _, token in await _buyers.prepare(args)]


async def end_rooms(url: str, host_token: str, rooms: list[int]) -> None:
    """End each room; one that failed to end is reported, not raised (the report matters more)."""
    if not host_token or not rooms:
        return
    conn = Connection(url)
    try:
        for room in rooms:
            status, _ = await conn.json("POST", f"/api/rooms/{room}/end", token=host_token)
            if status != 200:
                note(f"could not end test room {room} (HTTP {status}); end it in the studio")
    finally:
        await conn.close()
    note(f"ended the test room{'s' if len(rooms) > 1 else ''} {', '.join(map(str, rooms))}")
