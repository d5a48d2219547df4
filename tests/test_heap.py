"""Tests for livecommerce.heap against the real garbage collector.

Every test restores the process's gc state: the ``steward`` fixture uninstalls (removes
the callback, thaws the heap) even when the test never installed it.
"""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client import generate_latest

from livecommerce.heap import HeapSteward
from livecommerce.metrics import Metrics
from tests.servers import running

MakeSteward = Callable[..., HeapSteward]


class Cycle:
    """An object only the cycle collector can free."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def steward() -> Iterator[MakeSteward]:
    made: list[HeapSteward] = []

    def make(**limits: int) -> HeapSteward:
        made.append(HeapSteward(**limits))
        return made[-1]

    yield make
    for one in made:
        one.uninstall()


def test_install_freezes_and_uninstall_restores(steward: MakeSteward) -> None:
    """install freezes the heap and watches collections; uninstall undoes both."""
    heap = steward()
    heap.install()
    assert gc.get_freeze_count() > 0 and heap._on_gc in gc.callbacks
    heap.uninstall()
    assert gc.get_freeze_count() == 0 and heap._on_gc not in gc.callbacks


def test_every_collection_is_timed(steward: MakeSteward) -> None:
    """Each generation's collections are counted, with their total and longest pause."""
    heap = steward()
    heap.install()
    for generation in range(3):
        gc.collect(generation)
    assert all(count >= 1 for count in heap.collections)
    pauses = zip(heap.pause_max_seconds, heap.pause_seconds, strict=True)
    assert all(0 < longest <= total for longest, total in pauses)


def test_a_large_full_pass_freezes_its_survivors(steward: MakeSteward) -> None:
    """Past the threshold a full pass freezes what survived; the next pass walks only
    what arrived since."""
    heap = steward(freeze_threshold=2_000)
    heap.install()
    frozen = gc.get_freeze_count()
    live: list[list[int]] = [[] for _ in range(10_000)]
    gc.collect()
    assert heap.freezes == 1
    assert gc.get_freeze_count() >= frozen + len(live)
    gc.collect()
    assert heap.freezes == 1
    assert len(gc.get_objects(generation=2)) < 2_000


def test_a_small_full_pass_freezes_nothing(steward: MakeSteward) -> None:
    """Below the threshold survivors stay collectable: freezing would pin requests'
    garbage."""
    heap = steward(freeze_threshold=2_000)
    heap.install()
    live: list[list[int]] = [[] for _ in range(100)]
    gc.collect()
    assert heap.freezes == 0 and len(live) == 100


def _frozen_garbage(heap: HeapSteward) -> weakref.ref[Cycle]:
    """Install ``heap`` with a cycle alive, then drop it: frozen garbage, watched."""
    node = Cycle()
    ref = weakref.ref(node)
    heap.install()
    del node
    return ref


def test_frozen_cycle_lives_until_a_reclaim(steward: MakeSteward) -> None:
    """A frozen cycle survives full passes; a reclaim after enough closes frees it."""
    heap = steward(reclaim_minimum=10)
    ref = _frozen_garbage(heap)
    gc.collect()
    assert ref() is not None
    for _ in range(10):
        heap.note_closed()
    assert heap.maybe_reclaim(open_sockets=0)
    assert ref() is None
    assert heap.reclaims == 1 and heap.closed_since_reclaim == 0
    assert gc.get_freeze_count() > 0


def test_no_reclaim_before_as_many_closes_as_open_sockets(steward: MakeSteward) -> None:
    """A reclaim waits for the minimum, and for as many closes as sockets are open."""
    heap = steward(reclaim_minimum=10)
    ref = _frozen_garbage(heap)
    for _ in range(9):
        heap.note_closed()
    assert not heap.maybe_reclaim(open_sockets=0)
    heap.note_closed()
    assert not heap.maybe_reclaim(open_sockets=20)
    assert ref() is not None and heap.reclaims == 0
    for _ in range(10):
        heap.note_closed()
    assert heap.maybe_reclaim(open_sockets=20)
    assert ref() is None


def test_a_reclaim_is_one_timed_full_pass_not_a_freeze(steward: MakeSteward) -> None:
    """The reclaim's own pass is timed as a full collection and refreezes by itself."""
    heap = steward(freeze_threshold=0, reclaim_minimum=0)
    heap.install()
    assert heap.maybe_reclaim(open_sockets=0)
    assert heap.collections[2] == 1 and heap.freezes == 0 and heap.reclaims == 1


def test_sockets_are_counted(steward: MakeSteward) -> None:
    """note_opened / note_closed keep the open count and the closes since a reclaim."""
    heap = steward()
    heap.note_opened()
    heap.note_opened()
    heap.note_closed()
    assert heap.open_sockets == 1 and heap.closed_since_reclaim == 1


async def test_the_reclaim_loop_uses_the_open_count(steward: MakeSteward) -> None:
    """The background loop reclaims once closes reach the open sockets it counted."""
    heap = steward(reclaim_minimum=0)
    for _ in range(3):
        heap.note_opened()
    heap.note_closed()
    task = asyncio.create_task(heap.reclaim_forever(every=0.01))
    try:
        await asyncio.sleep(0.1)
        assert heap.reclaims == 0  # 1 closed, 2 open
        heap.note_closed()
        async with asyncio.timeout(5):
            while heap.reclaims == 0:  # noqa: ASYNC110 - the steward exposes a count only
                await asyncio.sleep(0.01)
    finally:
        task.cancel()


def test_metrics_export_the_figures(steward: MakeSteward) -> None:
    """/metrics carries pauses and collections per generation, freezes and reclaims."""
    heap = steward()
    heap.collections[2] = 3
    heap.pause_max_seconds[2] = 0.5
    heap.reclaims = 1
    metrics = Metrics()
    metrics.watch_heap(heap)
    lines = generate_latest(metrics.registry).decode().splitlines()
    assert 'lc_gc_collections_total{generation="2"} 3.0' in lines
    assert 'lc_gc_pause_seconds_max{generation="2"} 0.5' in lines
    assert 'lc_gc_pause_seconds_total{generation="0"} 0.0' in lines
    assert "lc_gc_freezes_total 0.0" in lines and "lc_gc_reclaims_total 1.0" in lines


@pytest.mark.parametrize("shape", ["embedded"], indirect=True)
@pytest.mark.parametrize("switch", ["true", "false"])
def test_serve_stewards_the_heap_unless_switched_off(
    server_env: dict[str, str], tmp_path: Path, switch: str
) -> None:
    """``livecommerce serve`` exports the steward's figures; LIVECOMMERCE_HEAP_FREEZE=false
    means no steward."""
    with running({**server_env, "LIVECOMMERCE_HEAP_FREEZE": switch}, tmp_path) as node:
        metrics = httpx.get(f"{node.url}/metrics").text
    assert ("lc_gc_collections_total" in metrics) == (switch == "true")
