"""Tests for livecommerce.hub.fanout."""

from __future__ import annotations

import asyncio
import json

from livecommerce.events.delivery import Audience, Delivery
from livecommerce.hub.event import make_event, routing
from livecommerce.hub.fanout import Room, Tunables
from livecommerce.hub.outbox import CLOSE_RESUME, Outbox
from tests.hub.conftest import drain, events_in, eventually

SAMPLED = routing(Delivery.SAMPLED, None)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def room_with(
    tick: float = 0.02, chat_rate: int = 20, frames_per_second: int = 0, chunk: int = 500
) -> tuple[Room, Clock]:
    clock = Clock()
    tunables = Tunables(
        tick=tick, viewer_chat_rate=chat_rate, frames_per_second=frames_per_second, chunk=chunk
    )
    return Room(1, tunables, clock), clock


def live(room: Room, privileged: bool = False, **bounds: int) -> Outbox:
    outbox = Outbox(**bounds)
    room.release(room.attach(outbox, privileged), after_seq=0)
    return outbox


async def test_first_event_goes_out_at_once_then_coalesces() -> None:
    """An idle room sends at once; events within the tick share one array frame."""
    room, _ = room_with(tick=0.02)
    outbox = live(room)
    room.deliver(make_event(1, 1, "sale.stock", {}, "t"))
    assert len(outbox) == 1
    for seq in (2, 3, 4):
        room.deliver(make_event(1, seq, "sale.stock", {}, "t"))
    assert len(outbox) == 1
    await eventually(lambda: len(outbox) == 2)
    first, batch = drain(outbox)
    assert json.loads(first)["seq"] == 1
    assert [e["seq"] for e in json.loads(batch)] == [2, 3, 4]


async def test_bigger_rooms_wait_longer_between_frames() -> None:
    """The wait between frames grows with the room: 4 members at 100 frames/s means one
    frame per 40 ms, not per 10 ms tick."""
    room, clock = room_with(tick=0.01, frames_per_second=100)
    outboxes = [live(room) for _ in range(4)]
    room.deliver(make_event(1, 1, "sale.stock", {}, "t"))
    clock.now += 0.02  # past the base tick, within the room's own
    room.deliver(make_event(1, 2, "sale.stock", {}, "t"))
    assert len(outboxes[0]) == 1
    timer = room._timer
    assert isinstance(timer, asyncio.TimerHandle)  # a wait, not a call at once
    assert 0.015 <= timer.when() - asyncio.get_running_loop().time() <= 0.025
    room.flush()
    assert all(len(o) == 2 for o in outboxes)


async def test_a_big_room_is_swept_in_chunks_and_in_order() -> None:
    """A sweep offers a chunk of sockets per loop turn; a member leaving mid-round gets
    nothing more. An event arriving mid-round reaches the sockets not yet visited in the
    same frame as the first, and the visited ones in the next round: in order for all."""
    room, clock = room_with(tick=0.0, chunk=2)
    outboxes = [live(room) for _ in range(5)]
    room.deliver(make_event(1, 1, "sale.stock", {}, "t"))
    assert [len(o) for o in outboxes] == [1, 1, 0, 0, 0]
    room.detach(outboxes[4])
    clock.now += 1
    room.deliver(make_event(1, 2, "sale.stock", {}, "t"))  # arrives mid-round
    assert len(outboxes[0]) == 1
    await eventually(lambda: room._timer is None)
    frames = [drain(outbox) for outbox in outboxes]
    for got in frames[:4]:
        assert [e["seq"] for e in events_in(got)] == [1, 2]
    assert [len(got) for got in frames] == [2, 2, 1, 1, 0]


async def test_a_busy_room_sends_each_chunk_once_per_period() -> None:
    """While events keep coming, each chunk is visited at most once per period (the
    frame budget), and an event waits at most a period for any socket."""
    room, clock = room_with(tick=0.0, frames_per_second=100, chunk=2)
    outboxes = [live(room) for _ in range(4)]  # period: 4 / 100 = 40 ms, 2 chunks
    room.deliver(make_event(1, 1, "sale.stock", {}, "t"))
    await eventually(lambda: all(len(o) == 1 for o in outboxes))  # idle: at once
    clock.now += 0.01
    room.deliver(make_event(1, 2, "sale.stock", {}, "t"))
    assert room._timer is not None and isinstance(room._timer, asyncio.TimerHandle)
    # 40 ms after the last visit
    assert 0.025 <= room._timer.when() - asyncio.get_running_loop().time() <= 0.035
    clock.now += 0.03
    room.flush()  # the first chunk's period is over
    assert [len(o) for o in outboxes] == [2, 2, 1, 1]
    clock.now += 0.01
    await eventually(lambda: all(len(o) == 2 for o in outboxes))
    assert [[e["seq"] for e in events_in(drain(o))] for o in outboxes] == [[1, 2]] * 4


async def test_every_member_gets_the_same_bytes() -> None:
    """One frame object is offered to every member (serialised once)."""
    room, _ = room_with()
    outboxes = [live(room) for _ in range(3)]
    room.deliver(make_event(1, 1, "product.pinned", {"id": 3}, "t"))
    frames = [drain(o)[0] for o in outboxes]
    assert all(frame is frames[0] for frame in frames)


async def test_slow_member_is_closed_for_resume_others_continue() -> None:
    """A member whose buffer is full is closed with 4008; the room goes on without it."""
    room, clock = room_with(tick=0.0)
    slow, fast = live(room, max_frames=2), live(room)
    for seq in range(1, 6):
        clock.now += 1
        room.deliver(make_event(1, seq, "sale.stock", {}, "t"))
    assert slow.close_code == CLOSE_RESUME
    assert slow not in room.members
    assert [e["seq"] for e in events_in(drain(fast))] == [1, 2, 3, 4, 5]
    assert room.dropped == 1


async def test_chat_is_sampled_for_viewers_not_for_moderators() -> None:
    """Past the viewer chat rate, viewers get a sample; hosts get every message and
    commerce events reach everyone."""
    room, clock = room_with(tick=0.0, chat_rate=5)
    viewer, host = live(room), live(room, privileged=True)
    seq = 0
    for _second in range(3):
        clock.now = float(int(clock.now) + 1)
        for _ in range(50):
            seq += 1
            room.deliver(make_event(1, seq, "chat.posted", {}, "t", SAMPLED))
        seq += 1
        room.deliver(make_event(1, seq, "sale.stock", {}, "t"))
    host_events, viewer_events = events_in(drain(host)), events_in(drain(viewer))
    assert len(host_events) == seq
    chats = [e for e in viewer_events if e["type"] == "chat.posted"]
    assert 0 < len(chats) <= 3 * 5
    assert [e for e in viewer_events if e["type"] == "sale.stock"] == [
        e for e in host_events if e["type"] == "sale.stock"
    ]


async def test_joining_member_gets_held_events_after_its_seq_exactly_once() -> None:
    """Events arriving during a join are held, filtered by the join's seq, then live."""
    room, clock = room_with(tick=0.0)
    outbox = Outbox()
    member = room.attach(outbox, False)
    for seq in (1, 2, 3):
        room.deliver(make_event(1, seq, "sale.stock", {}, "t"))
    assert len(outbox) == 0
    room.release(member, after_seq=2)
    clock.now += 1
    room.deliver(make_event(1, 4, "sale.stock", {}, "t"))
    assert [e["seq"] for e in events_in(drain(outbox))] == [3, 4]


async def test_member_joining_mid_tick_gets_no_earlier_pending_events() -> None:
    """Pending events delivered before a member joined are not sent to it twice."""
    room, _ = room_with(tick=0.02)
    old = live(room)
    room.deliver(make_event(1, 1, "sale.stock", {}, "t"))
    room.deliver(make_event(1, 2, "sale.stock", {}, "t"))  # pending
    new = Outbox()
    room.release(room.attach(new, False), after_seq=2)
    room.deliver(make_event(1, 3, "sale.stock", {}, "t"))
    await eventually(lambda: len(new) == 1)
    await eventually(lambda: len(old) == 2)
    assert [e["seq"] for e in events_in(drain(new))] == [3]
    assert [e["seq"] for e in events_in(drain(old))] == [1, 2, 3]


async def test_banned_user_is_told_then_closed() -> None:
    """moderation.banned reaches everyone; the banned user's sockets then close with 4403."""
    room, _ = room_with(tick=0.0)
    banned, bystander = Outbox(), Outbox()
    room.release(room.attach(banned, False, user_id=7), after_seq=0)
    room.release(room.attach(bystander, False, user_id=8), after_seq=0)
    ban = routing(Delivery.ROOM, Audience(7, banned=True))
    room.deliver(make_event(1, 1, "moderation.banned", {"user": {"id": 7}}, "t", ban))
    assert [e["type"] for e in events_in(drain(banned))] == ["moderation.banned"]
    assert banned.close_code == 4403
    assert bystander.close_code is None and len(bystander) == 1
    assert banned not in room.members


async def test_moderator_change_reaches_the_users_open_sockets() -> None:
    """Made a moderator, a watching user sees every chat message at once; removed, a
    sample again. Other viewers are untouched."""
    room, clock = room_with(tick=0.0, chat_rate=1)
    fan, bystander = Outbox(), Outbox()
    room.release(room.attach(fan, False, user_id=7), after_seq=0)
    room.release(room.attach(bystander, False, user_id=8), after_seq=0)
    seq = 0

    def burst(event_type: str, privileged: bool) -> None:
        nonlocal seq
        clock.now = float(int(clock.now) + 1)
        seq += 1
        change = {"user": {"id": 7}, "privileged": privileged}
        audience = routing(Delivery.ROOM, Audience(7, privileged=privileged))
        room.deliver(make_event(1, seq, event_type, change, "t", audience))
        for _ in range(4):
            seq += 1
            room.deliver(make_event(1, seq, "chat.posted", {}, "t", SAMPLED))

    def chats(outbox: Outbox) -> int:
        return sum(e["type"] == "chat.posted" for e in events_in(drain(outbox)))

    burst("moderation.moderator_added", True)
    assert (chats(fan), chats(bystander)) == (4, 1)
    burst("moderation.moderator_removed", False)
    assert (chats(fan), chats(bystander)) == (1, 1)
