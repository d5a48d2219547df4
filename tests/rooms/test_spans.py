"""The playlists' daterange cache reads the show log once per moment, shares a read
between concurrent requests, and reads again at once after a pin or deal is logged."""

from __future__ import annotations

import asyncio

from livecommerce.rooms.replays import PIN
from livecommerce.rooms.spans import SpanCache


class Log:
    """A show log read that counts its calls and can be held open."""

    def __init__(self) -> None:
        self.reads = 0
        self.lines = ['#EXT-X-DATERANGE:ID="pin-1"']
        self.gate = asyncio.Event()
        self.gate.set()

    async def __call__(self, room_id: int) -> list[str]:
        self.reads += 1
        lines = list(self.lines)
        await self.gate.wait()
        return lines


async def test_a_fresh_read_is_reused_until_a_pin_is_written() -> None:
    log = Log()
    cache = SpanCache(log, fresh=60.0)
    assert await cache.get(1) == log.lines
    assert await cache.get(1) == log.lines and log.reads == 1
    cache.written([{"room_id": 1, "type": "chat.posted"}, {"room_id": 2, "type": PIN}])
    await cache.get(1)
    assert log.reads == 1  # chat, and another room's pin, change nothing here
    log.lines = [*log.lines, '#EXT-X-DATERANGE:ID="pin-2"']
    cache.written([{"room_id": 1, "type": PIN}])
    assert await cache.get(1) == log.lines and log.reads == 2


async def test_lines_older_than_fresh_are_read_again() -> None:
    log = Log()
    cache = SpanCache(log, fresh=0.05)
    await cache.get(1)
    await asyncio.sleep(0.1)  # another node may have logged a pin meanwhile
    await cache.get(1)
    assert log.reads == 2


async def test_concurrent_requests_share_one_read_and_a_write_during_it_is_not_lost() -> None:
    log = Log()
    log.gate.clear()
    cache = SpanCache(log, fresh=60.0)
    waiting = [asyncio.create_task(cache.get(1)) for _ in range(5)]
    await asyncio.sleep(0.01)
    cache.written([{"room_id": 1, "type": PIN}])  # logged after the read began
    log.gate.set()
    assert len({tuple(lines) for lines in await asyncio.gather(*waiting)}) == 1
    assert log.reads == 1
    await cache.get(1)
    assert log.reads == 2  # the read that began before the pin was not kept
