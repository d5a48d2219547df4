"""Merchants' webhooks: URLs the server refuses, and deliveries that are signed, retried
with exponential backoff against a receiver that fails first, and carry one delivery id."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import time
from datetime import timedelta

import httpx
import pytest

from livecommerce.errors import WebhookUrlRefused
from livecommerce.follows import commands, signing, targets
from tests.follows._receiver import receiving
from tests.follows._scene import remind, start, upcoming_show
from tests.follows.conftest import Node
from tests.users import signup

REFUSED = [
    "ftp://example.com/x", "javascript:alert(1)", "http://10.1.2.3/x", "http://172.16.0.1/",
    "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data", "http://[::1]/",
    "http://127.0.0.1:9/", "http://localhost/", "http://[fe80::1]/", "http://0.0.0.0/",
    "http://100.64.0.1/", "http://user:pw@example.com/", "http:///nohost",
]  # fmt: skip


@pytest.mark.parametrize("url", REFUSED)
async def test_private_and_odd_urls_are_refused(url: str) -> None:
    """Not http(s), or resolving to a private, loopback or link-local address: refused."""
    with pytest.raises(WebhookUrlRefused):
        await targets.check_url(url, allow_loopback=False)


async def test_loopback_only_when_allowed() -> None:
    """The test setting lets loopback through, and nothing else private."""
    await targets.check_url("http://127.0.0.1:9/x", allow_loopback=True)
    with pytest.raises(WebhookUrlRefused):
        await targets.check_url("http://10.0.0.1/x", allow_loopback=True)
    assert not targets.refused(ipaddress.ip_address("93.184.216.34"), allow_loopback=False)


async def test_refused_url_changes_nothing(client: httpx.AsyncClient) -> None:
    """The API answers webhook_url_refused (422) and no webhook is made; viewers may not."""
    shop = await signup(client, "shop", "merchant")
    bad = await client.post(
        "/api/webhooks", json={"url": "http://127.0.0.1/x"}, headers=shop.headers
    )
    assert (bad.status_code, bad.json()["error"]["code"]) == (422, "webhook_url_refused")
    assert (await client.get("/api/webhooks", headers=shop.headers)).json() == {"webhooks": []}
    bob = await signup(client, "bob")
    viewer = await client.post(
        "/api/webhooks", json={"url": "https://example.com/x"}, headers=bob.headers
    )
    assert viewer.status_code == 403


def test_signature_round_trip() -> None:
    """A signature verifies with its secret and body only, and only while recent."""
    header = signing.signature("whsec_a", 1_700_000_000, b'{"x":1}')
    assert signing.verify("whsec_a", header, b'{"x":1}', now=1_700_000_010)
    assert not signing.verify("whsec_b", header, b'{"x":1}', now=1_700_000_010)
    assert not signing.verify("whsec_a", header, b'{"x":2}', now=1_700_000_010)
    assert not signing.verify("whsec_a", header, b'{"x":1}', now=1_700_009_999)


async def _deliver_until(node: Node, done: object, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:  # type: ignore[operator]
        await commands.send_due_deliveries(node.desk)
        await asyncio.sleep(0.02)


async def test_signed_retried_with_backoff_one_id(two_nodes: tuple[Node, Node]) -> None:
    """A receiver failing twice gets three signed posts with the same delivery id,
    spaced by the base delay, then twice it; the delivery is recorded delivered."""
    a, b = two_nodes
    base = 0.3
    for node in (a, b):
        node.desk.policy = node.desk.policy.__class__(
            base=timedelta(seconds=base), max_attempts=5, timeout=5, allow_loopback=True
        )
    scene = await upcoming_show(a.client)
    viewers = [await signup(a.client, f"fan{i}") for i in range(2)]
    async with receiving([500, 503]) as receiver:
        made = await a.client.post(
            "/api/webhooks", json={"url": receiver.url}, headers=scene.shop.headers
        )
        assert made.status_code == 201, made.text
        hook = made.json()
        for viewer in viewers:
            await remind(a.client, viewer, scene.room_id)
        await start(a.client, scene)
        await commands.fire_due_rounds(a.desk)
        await asyncio.gather(
            _deliver_until(a, lambda: len(receiver.got) >= 3),
            _deliver_until(b, lambda: len(receiver.got) >= 3),
        )
        await asyncio.sleep(0.2)
    got = receiver.got
    assert len(got) == 3, "each attempt claimed by one node"
    ids = {r.headers["livecommerce-delivery"] for r in got}
    assert len(ids) == 1
    for r in got:
        assert signing.verify(hook["secret"], r.headers["livecommerce-signature"], r.body,
                              now=time.time())  # fmt: skip
        assert r.headers["livecommerce-event"] == "show.starting"
    gaps = [got[1].at - got[0].at, got[2].at - got[1].at]
    assert base <= gaps[0] < 2 * base + 0.5 and 2 * base <= gaps[1] < 4 * base + 0.5
    body = json.loads(got[0].body)
    assert body["id"] == ids.pop() and body["show"]["id"] == scene.room_id
    assert sorted(x["handle"] for x in body["recipients"]) == ["fan0", "fan1"]
    listed = await a.client.get(
        f"/api/webhooks/{hook['id']}/deliveries", headers=scene.shop.headers
    )
    [delivery] = listed.json()["deliveries"]
    assert (delivery["status"], delivery["attempts"]) == ("delivered", 3)
