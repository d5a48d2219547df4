"""Tests for ``livecommerce draw verify``: a file, a tampered file, and the live URL."""

from __future__ import annotations

import asyncio
import json
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from livecommerce.cli import main
from tests.draws._world import FLUSH, world_with_fans


async def _closed_draw(app: FastAPI, client: httpx.AsyncClient, stack: AsyncExitStack) -> str:
    world, fans, sockets = await world_with_fans(app, client, stack, ["amy", "bob", "cat"])
    draw_id = (await world.start(winners=1)).json()["id"]
    for name in fans:
        await sockets[name].send("chat.send", {"body": "抽我"})
        await sockets[name].next("chat.accepted")
    await asyncio.sleep(FLUSH)
    await world.close(sockets["amy"])
    return f"{world.base.replace('ws://', 'http://')}/draws/{draw_id}/proof"


async def test_verify_a_published_proof(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI agrees with the published winners, from the file and from the page URL,
    and fails (exit 1) on a tampered entrant list or seed."""
    async with AsyncExitStack() as stack:
        page = await _closed_draw(app, client, stack)
        draw_id = page.removesuffix("/proof").rsplit("/", 1)[1]
        proof = (await client.get(f"/api/draws/{draw_id}/proof")).json()
        path = tmp_path / "proof.json"
        path.write_text(json.dumps(proof))
        assert await asyncio.to_thread(main, ["draw", "verify", str(path)]) == 0
        assert "OK" in capsys.readouterr().out
        assert await asyncio.to_thread(main, ["draw", "verify", page, "--json"]) == 0
        verdict = json.loads(capsys.readouterr().out)
        assert verdict["ok"] and verdict["winners"] == [proof["winners"][0]["user_id"]]
        path.write_text(json.dumps({**proof, "entrants": [*proof["entrants"], 10**6]}))
        assert await asyncio.to_thread(main, ["draw", "verify", str(path)]) == 1
        path.write_text(json.dumps({**proof, "seed": "00" * 32}))
        assert await asyncio.to_thread(main, ["draw", "verify", str(path)]) == 1
        assert "FAILED" in capsys.readouterr().out
        assert main(["draw", "verify", str(tmp_path / "missing.json")]) == 2
