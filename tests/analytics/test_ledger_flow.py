"""The ledger fed by the real paths: a viewer's socket, its beacons, the host's pin,
a shelf order paid, all flushed and read back through the stats API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import OperationalError

from livecommerce.analytics import kinds
from livecommerce.analytics.ledger import Ledger
from livecommerce.app import create_app
from livecommerce.settings import Settings
from livecommerce.storage import ledger_rollup
from tests.analytics._show import live_show, rows_of
from tests.routes._live import serve, viewer
from tests.users import address, signup

pytestmark = pytest.mark.usefixtures("shape")


def _ledger(app: FastAPI) -> Ledger:
    ledger: Ledger = app.state.resources.ledger
    return ledger


async def test_socket_beacon_pin_and_order_reach_the_stats(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """One viewer watches, sees and opens a card, buys and pays: the stats say so, and
    the pin is on the timeline with its product."""
    show = await live_show(app, client, ago=0)
    a, b = show.product_ids
    buyer = await signup(client, "mei")
    await address(client, buyer)
    async with serve(app) as base, viewer(base, show.room_id, f"?token={buyer.token}") as v:
        await v.next("room.snapshot")
        items = [
            {"kind": "impression", "product_id": a, "count": 2},
            {"kind": "click", "product_id": a},
            {"kind": "sheet_open", "product_id": a},
        ]
        await v.send("analytics.beacon", {"events": items})
        await v.send("time.sync", {"client_time": 1})
        await v.next("time.synced")  # the beacon before it was handled
        pinned = await client.put(
            f"/api/rooms/{show.room_id}/pin", json={"product_id": b}, headers=show.host.headers
        )
        assert pinned.status_code == 200
        placed = await client.post(
            f"/api/rooms/{show.room_id}/products/{a}/orders", json={"quantity": 2},
            headers={**buyer.headers, "Idempotency-Key": "k1"},
        )  # fmt: skip
        assert placed.status_code == 201, placed.text
        paid = await client.post(
            f"/api/orders/{placed.json()['id']}/pay", json={}, headers=buyer.headers
        )
        assert paid.status_code == 200, paid.text
        await v.next("product.pinned")
    await _ledger(app).flush()
    body = (await client.get(f"/api/rooms/{show.room_id}/stats", headers=show.host.headers)).json()
    m = body["metrics"]
    assert (m["views"], m["unique_viewers"], m["effective_views"]) == (1, 1, 0)
    assert (m["impressions"], m["clicks"], m["sheet_opens"]) == (2, 1, 1)
    assert (m["orders"], m["paid_orders"], m["buyers"]) == (1, 1, 1)
    assert m["gmv_gross_cents"] == m["gmv_paid_cents"] == m["gmv_net_cents"] == 3000
    assert m["view_to_buy"] == 1.0 and m["ctr"] == 0.5 and m["click_to_order"] == 1.0
    assert m["peak_viewers"] <= 1
    timeline = (
        await client.get(f"/api/rooms/{show.room_id}/stats/timeline", headers=show.host.headers)
    ).json()["events"]
    assert [e["kind"] for e in timeline] == ["room.started", "product.pinned"]
    assert timeline[1]["product_id"] == b and timeline[1]["detail"]["product"]["id"] == b
    rows = await rows_of(show.db, show.room_id)
    joined = [r for r in rows if r.kind == kinds.JOINED]
    assert [r.viewer for r in joined] == [f"u:{buyer.id}"]
    left = [r for r in rows if r.kind == kinds.LEFT]
    assert len(left) == 1 and left[0].value_ms >= 0


async def test_anonymous_viewers_are_hashed_and_counted_once(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Two sockets from one address: two views, one unique viewer, and no IP stored."""
    show = await live_show(app, client, ago=0)
    async with (
        serve(app) as base,
        viewer(base, show.room_id) as one,
        viewer(base, show.room_id) as two,
    ):
        await one.next("room.snapshot")
        await two.next("room.snapshot")
    await _ledger(app).flush()
    rows = await rows_of(show.db, show.room_id)
    names = {r.viewer or "" for r in rows if r.kind == kinds.JOINED}
    assert len(names) == 1 and next(iter(names)).startswith("a:")
    assert not any("127.0.0.1" in (r.viewer or "") for r in rows)
    body = (await client.get(f"/api/rooms/{show.room_id}/stats", headers=show.host.headers)).json()
    assert (body["metrics"]["views"], body["metrics"]["unique_viewers"]) == (2, 1)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"events": []},
        {"events": [{"kind": "purchase", "product_id": 1}]},
        {"events": [{"kind": "click", "product_id": 0}]},
        {"events": [{"kind": "click", "product_id": 1, "count": 51}]},
        {"events": [{"kind": "click", "product_id": 1, "extra": 1}]},
        {"events": [{"kind": "click", "product_id": True}]},
        {"events": [{"kind": "click", "product_id": 1}] * 21},
    ],
)
async def test_bad_beacons_are_refused(
    app: FastAPI, client: httpx.AsyncClient, data: dict[str, object]
) -> None:
    """A malformed beacon is an error event naming invalid_input; nothing is counted."""
    show = await live_show(app, client, ago=0)
    async with serve(app) as base, viewer(base, show.room_id) as v:
        await v.next("room.snapshot")
        await v.send("analytics.beacon", data)
        error = await v.next("error")
    assert error["data"]["code"] == "invalid_input"
    assert await _counted(app, show.room_id) == 0


async def _counted(app: FastAPI, room_id: int) -> int:
    """The room's client counts, written (the app's own loop may have flushed some
    already) and pending alike."""
    ledger = _ledger(app)
    await ledger.flush()
    rows = await rows_of(ledger.db, room_id)
    return sum(r.count for r in rows if r.kind in (kinds.IMPRESSION, kinds.CLICK))


async def test_beacons_are_rate_limited_per_socket(app: FastAPI, client: httpx.AsyncClient) -> None:
    """A second beacon within two seconds is refused with rate_limited; the first counts."""
    show = await live_show(app, client, ago=0)
    item = {"events": [{"kind": "impression", "product_id": show.product_ids[0]}]}
    async with serve(app) as base, viewer(base, show.room_id) as v:
        await v.next("room.snapshot")
        await v.send("analytics.beacon", item)
        await v.send("analytics.beacon", item)
        error = await v.next("error")
    assert error["data"]["code"] == "rate_limited" and error["data"]["retry_after"] > 0
    assert await _counted(app, show.room_id) == 1


async def test_http_beacon(app: FastAPI, client: httpx.AsyncClient) -> None:
    """POST /beacon counts like the socket message; unknown rooms are 404, floods 429."""
    show = await live_show(app, client, ago=0)
    item = {"events": [{"kind": "click", "product_id": show.product_ids[1], "count": 3}]}
    answer = await client.post(f"/api/rooms/{show.room_id}/beacon", json=item)
    assert answer.status_code == 204, answer.text
    again = await client.post(f"/api/rooms/{show.room_id}/beacon", json=item)
    assert again.status_code == 429 and again.json()["error"]["code"] == "rate_limited"
    missing = await client.post("/api/rooms/999999/beacon", json=item)
    assert missing.status_code == 404
    bad = await client.post(
        f"/api/rooms/{show.room_id}/beacon", json={"events": [{"kind": "x", "product_id": 1}]}
    )
    assert bad.status_code == 422
    await _ledger(app).flush()
    body = (await client.get(f"/api/rooms/{show.room_id}/stats", headers=show.shop.headers)).json()
    assert body["metrics"]["clicks"] == 3


@pytest.fixture
async def quiet_app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings.model_copy(update={"analytics_enabled": False}))
    async with application.router.lifespan_context(application):
        yield application


async def test_ledger_off_counts_no_viewers(quiet_app: FastAPI) -> None:
    """With LIVECOMMERCE_ANALYTICS_ENABLED off, sockets and beacons leave no row."""
    transport = httpx.ASGITransport(app=quiet_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        show = await live_show(quiet_app, client, ago=0)
        item = {"events": [{"kind": "click", "product_id": show.product_ids[0]}]}
        async with serve(quiet_app) as base, viewer(base, show.room_id) as v:
            await v.next("room.snapshot")
            await v.send("analytics.beacon", item)
            await v.send("time.sync", {"client_time": 1})
            await v.next("time.synced")
        await _ledger(quiet_app).flush()
        assert await rows_of(show.db, show.room_id) == []


@pytest.fixture
async def quick_app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings.model_copy(update={"analytics_flush_seconds": 0.1}))
    async with application.router.lifespan_context(application):
        yield application


async def test_the_supervised_loop_flushes_on_its_own(quick_app: FastAPI) -> None:
    """Nobody calls flush: the node's loop writes the session and samples the room's
    viewer count within a few intervals."""
    transport = httpx.ASGITransport(app=quick_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        show = await live_show(quick_app, client, ago=0)
        async with serve(quick_app) as base, viewer(base, show.room_id) as v:
            await v.next("room.snapshot")
            # Samples read the room-wide count, which the hub's counter tick (about 1 s)
            # brings up to date: the first ones may still say 0.
            for _ in range(100):
                rows = await rows_of(show.db, show.room_id)
                samples = [r.count for r in rows if r.kind == kinds.SAMPLED]
                if any(r.kind == kinds.JOINED for r in rows) and 1 in samples:
                    break
                await asyncio.sleep(0.05)
        assert any(r.kind == kinds.JOINED for r in rows)
        assert max(samples) == 1


async def test_a_flush_samples_the_rooms_with_open_sessions(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """One sample per room while anyone watches it; none once its last viewer left."""
    show = await live_show(app, client, ago=0)
    show.viewers = 3
    ledger = show.ledger()
    first, second = ledger.joined(show.room_id, "u:1"), ledger.joined(show.room_id, "u:2")
    await ledger.flush()
    ledger.left(first)
    show.at(5)
    await ledger.flush()
    ledger.left(second)
    show.at(10)
    await ledger.flush()
    samples = [r for r in await rows_of(show.db, show.room_id) if r.kind == kinds.SAMPLED]
    assert [(r.elapsed_ms, r.count) for r in samples] == [(0, 3), (5_000, 3)]


async def test_closing_ends_open_sessions(app: FastAPI, client: httpx.AsyncClient) -> None:
    """A node going away writes its open sessions as ended now, watch time and all."""
    show = await live_show(app, client, ago=0)
    ledger = show.ledger()
    ledger.joined(show.room_id, "u:7")
    show.at(42)
    await ledger.close()
    left = [r for r in await rows_of(show.db, show.room_id) if r.kind == kinds.LEFT]
    assert [(r.viewer, r.value_ms) for r in left] == [("u:7", 42_000)]


async def test_a_show_ending_ends_its_open_sessions(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """A viewer still on the ended room's page watched until the end, not after it."""
    show = await live_show(app, client, ago=0)
    ledger = app.state.resources.ledger
    ledger._clock = lambda: show.now  # the app's own ledger, on the show's clock
    token = ledger.joined(show.room_id, "u:7")
    show.at(42)
    assert (
        await client.post(f"/api/rooms/{show.room_id}/end", headers=show.host.headers)
    ).is_success
    show.at(99)
    ledger.left(token)  # the viewer closes the page later
    await ledger.flush()
    left = [r for r in await rows_of(show.db, show.room_id) if r.kind == kinds.LEFT]
    assert [(r.viewer, r.value_ms) for r in left] == [("u:7", 42_000)]


@pytest.mark.parametrize("shape", ["scaled"], indirect=True)
async def test_a_show_ending_ends_the_sessions_on_every_node(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    """The show ends on one node; a viewer watching through another watched until then."""
    show = await live_show(app, client, ago=0)
    other = create_app(settings.model_copy(update={"node_id": "second-node"}))
    async with other.router.lifespan_context(other), serve(other) as second:
        ledger = _ledger(other)
        ledger._clock = lambda: show.now  # the second node's ledger, on the show's clock
        async with viewer(second, show.room_id) as watcher:
            await watcher.next("room.snapshot")
            show.at(42)
            ended = await client.post(f"/api/rooms/{show.room_id}/end", headers=show.host.headers)
            assert ended.is_success
            await watcher.next("room.ended")
            show.at(99)  # the viewer keeps the ended room open, then leaves
        for _ in range(500):  # the node hears the socket close soon after
            if not ledger._sessions:
                break
            await asyncio.sleep(0.02)
        await ledger.flush()
    left = [r for r in await rows_of(show.db, show.room_id) if r.kind == kinds.LEFT]
    assert [r.value_ms for r in left] == [42_000]


async def test_prometheus_has_ledger_health_not_business_figures(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """/metrics shows the ledger's pending rows; GMV and the funnel stay in the stats API."""
    show = await live_show(app, client, ago=0)
    await _ledger(app).flush()  # the show's start, on its timeline
    _ledger(app).count(show.room_id, kinds.CLICK, show.product_ids[0], 3)
    text = (await client.get("/metrics")).text
    assert "lc_ledger_pending_rows 1.0" in text
    assert "lc_ledger_flush_failures_total 0.0" in text
    assert not any(word in text for word in ("gmv", "impression", "click", "buyer"))


async def test_a_failed_flush_keeps_its_rows_once(
    app: FastAPI, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A flush whose write fails mid-transaction puts rows and counts back as they were:
    the next flush writes each once."""
    show = await live_show(app, client, ago=0)
    ledger = show.ledger()
    ledger.joined(show.room_id, "u:1")
    ledger.count(show.room_id, kinds.CLICK, show.product_ids[0], 2)

    async def refused(*args: object) -> None:
        raise OperationalError("INSERT", {}, Exception("disk I/O error"))

    real = ledger_rollup.append
    monkeypatch.setattr(ledger_rollup, "append", refused)
    with pytest.raises(OperationalError):
        await ledger.flush(sample=False)
    monkeypatch.setattr(ledger_rollup, "append", real)
    assert await ledger.flush(sample=False) == 2
    rows = await rows_of(show.db, show.room_id)
    assert sorted((r.kind, r.count) for r in rows if r.kind != "room.started") == [
        (kinds.CLICK, 2), (kinds.JOINED, 1),
    ]  # fmt: skip


@pytest.fixture
async def slow_app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings.model_copy(update={"analytics_flush_seconds": 300}))
    async with application.router.lifespan_context(application):
        yield application


async def test_a_show_ending_writes_its_last_interval(slow_app: FastAPI) -> None:
    """The report opens as the show ends: the end, the deal it closed (cancelled: it had
    not begun) and the pin before it are in the ledger at once, not an interval later."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=slow_app), base_url="http://test"
    ) as client:
        show = await live_show(slow_app, client, ago=0)
        host = show.host.headers
        pin = {"product_id": show.product_ids[1]}
        assert (
            await client.put(f"/api/rooms/{show.room_id}/pin", json=pin, headers=host)
        ).is_success
        deal = {"product_id": show.product_ids[0], "price_cents": 990, "quantity": 5,
                "countdown_seconds": 0, "duration_seconds": 600}  # fmt: skip
        made = await client.post(f"/api/rooms/{show.room_id}/sales", json=deal,
                                 headers=show.shop.headers)  # fmt: skip
        assert made.status_code == 201, made.text
        assert (await client.post(f"/api/rooms/{show.room_id}/end", headers=host)).is_success
        timeline = await client.get(f"/api/rooms/{show.room_id}/stats/timeline", headers=host)
    kinds_seen = [e["kind"] for e in timeline.json()["events"]]
    for kind in ("room.started", "product.pinned", "room.ended", "sale.cancelled"):
        assert kind in kinds_seen, kinds_seen
