from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import pytest

from livecommerce.rooms.snapshot_cache import SnapshotCache


async def test_joiners_at_one_seq_share_one_build() -> None:
    """A hundred viewers joining at the same seq cause one build; a new seq rebuilds."""
    builds: list[int] = []

    async def build(seq: int) -> Mapping[str, Any]:
        builds.append(seq)
        await asyncio.sleep(0.01)
        return {"seq": seq}

    cache = SnapshotCache()
    got = await asyncio.gather(*(cache.get(1, 5, lambda: build(5)) for _ in range(100)))
    assert builds == [5] and all(g == {"seq": 5} for g in got)
    assert await cache.get(1, 6, lambda: build(6)) == {"seq": 6}
    assert builds == [5, 6]


async def test_a_failed_build_is_not_served_again() -> None:
    """If building fails, the next joiner builds afresh."""
    cache = SnapshotCache()

    async def broken() -> Mapping[str, Any]:
        raise RuntimeError("database down")

    async def fine() -> Mapping[str, Any]:
        return {"ok": True}

    with pytest.raises(RuntimeError):
        await cache.get(1, 1, broken)
    assert await cache.get(1, 1, fine) == {"ok": True}
