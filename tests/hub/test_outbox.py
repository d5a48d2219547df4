"""Tests for livecommerce.hub.outbox."""

from __future__ import annotations

from livecommerce.hub.outbox import CLOSE_RESUME, Outbox


async def test_frames_come_out_in_order_then_none_after_close() -> None:
    """The writer gets queued frames in order, then None once closed and drained."""
    outbox = Outbox()
    assert outbox.offer(b"1") and outbox.offer(b"2")
    outbox.close(1000, "bye")
    assert [await outbox.next_frame(), await outbox.next_frame()] == [b"1", b"2"]
    assert await outbox.next_frame() is None
    assert not outbox.offer(b"3")


async def test_bounded_by_frames_and_bytes() -> None:
    """A full outbox refuses frames instead of growing."""
    by_frames = Outbox(max_frames=2)
    assert by_frames.offer(b"a") and by_frames.offer(b"b")
    assert not by_frames.offer(b"c")
    by_bytes = Outbox(max_bytes=10)
    assert by_bytes.offer(b"x" * 6)
    assert not by_bytes.offer(b"x" * 6)


async def test_oversize_frame_passes_an_empty_outbox() -> None:
    """A snapshot bigger than the byte bound is still sent when nothing waits before it."""
    outbox = Outbox(max_bytes=10)
    assert outbox.offer(b"x" * 100)
    assert not outbox.offer(b"y")


async def test_resume_close_drops_pending_frames() -> None:
    """Closing for resume discards queued frames: the client fetches them again."""
    outbox = Outbox()
    outbox.offer(b"1")
    outbox.close(CLOSE_RESUME, "resume")
    assert await outbox.next_frame() is None
    assert outbox.close_code == CLOSE_RESUME


async def test_writer_wakes_on_offer() -> None:
    """A writer waiting on an empty outbox wakes when a frame arrives."""
    import asyncio

    outbox = Outbox()
    waiting = asyncio.create_task(outbox.next_frame())
    await asyncio.sleep(0)
    outbox.offer(b"late")
    assert await waiting == b"late"
