"""``livecommerce demo`` as a newcomer runs it: twice, with ``--keep``, and twice at once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.servers import Server, free_port

# Argon2's production cost would make each demo start take seconds for three accounts.
ENV = {**os.environ, "LIVECOMMERCE_PASSWORD_HASH_MEMORY_KIB": "1024"}


@dataclass
class Demo:
    server: Server
    stdout: Path

    def banner(self) -> str:
        return self.stdout.read_text()


def _start(folder: Path, port: int, *options: str, name: str = "demo") -> Demo:
    command = [sys.executable, "-m", "livecommerce.cli", "demo", "--port", str(port), *options]
    log, out = folder / f"{name}.log", folder / f"{name}.out"
    with log.open("wb") as err, out.open("wb") as stdout:
        process = subprocess.Popen(
            command, cwd=folder, env=ENV, stdin=subprocess.DEVNULL, stdout=stdout, stderr=err
        )
    return Demo(Server(f"http://127.0.0.1:{port}", process, log), out)


def _wait_live(demo: Demo, timeout: float = 150.0) -> int:
    """The live room's id, once the test pattern is on air in it (its WHIP publish answered)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if demo.server.process.poll() is not None:
            code = demo.server.process.returncode
            raise AssertionError(f"demo exited {code}:\n{demo.server.log()}")
        if "/whip" in demo.server.log():
            rooms = httpx.get(f"{demo.server.url}/api/rooms?status=live", timeout=5).json()
            return int(rooms["rooms"][0]["id"])
        time.sleep(0.2)
    raise AssertionError(f"demo not live after {timeout}s:\n{demo.server.log()}")


@contextmanager
def running(folder: Path, port: int, *options: str, name: str = "demo") -> Iterator[Demo]:
    demo = _start(folder, port, *options, name=name)
    try:
        yield demo
    finally:
        demo.server.stop()


def test_keep_reuses_the_last_demo(tmp_path: Path) -> None:
    """A second run with --keep starts on the first run's database, with its accounts,
    its live room and what was said in it, instead of failing on taken handles."""
    port = free_port()
    with running(tmp_path, port, name="first") as first:
        room = _wait_live(first)
        with httpx.Client(base_url=first.server.url) as api:
            login = {"handle": "demo_viewer", "password": "demo-password"}
            assert api.post("/api/auth/login", json=login).status_code == 200
    with running(tmp_path, port, "--keep", name="second") as second:
        assert _wait_live(second) == room
        with httpx.Client(base_url=second.server.url) as api:
            assert api.post("/api/auth/login", json=login).status_code == 200
            assert len(api.get("/api/rooms?status=live").json()["rooms"]) == 1
        assert f"/rooms/{room}" in second.banner()


def test_a_second_demo_leaves_the_running_one_alone(tmp_path: Path) -> None:
    """A second demo in the same folder refuses before touching the database, whether
    it asks for the same port or another one; the first demo keeps serving."""
    port = free_port()
    with running(tmp_path, port, name="first") as first:
        room = _wait_live(first)
        for name, other_port in (("same-port", port), ("other-port", free_port())):
            again = subprocess.run(
                [sys.executable, "-m", "livecommerce.cli", "demo", "--port", str(other_port)],
                cwd=tmp_path, env=ENV, stdin=subprocess.DEVNULL,
                capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            assert again.returncode == 1, (name, again.stderr)
            assert "another demo is running in this folder" in again.stderr, name
        detail = httpx.get(f"{first.server.url}/api/rooms/{room}", timeout=5)
        assert detail.status_code == 200, detail.text
        login = {"handle": "demo_host", "password": "demo-password"}
        assert httpx.post(f"{first.server.url}/api/auth/login", json=login).status_code == 200


def test_a_taken_port_is_refused_before_the_database_is_touched(tmp_path: Path) -> None:
    """With the port taken by another program, demo says so and leaves the folder's
    demo database as it was."""
    database = tmp_path / "livecommerce-demo.db"
    database.write_bytes(b"an earlier demo")
    port = free_port()
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        refused = subprocess.run(
            [sys.executable, "-m", "livecommerce.cli", "demo", "--port", str(port)],
            cwd=tmp_path, env=ENV, stdin=subprocess.DEVNULL,
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert refused.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in refused.stderr
    assert database.read_bytes() == b"an earlier demo"


def test_the_demo_log_leaves_out_ice_chatter(tmp_path: Path) -> None:
    """The demo's own test-pattern broadcast changes ICE states on both ends; those INFO
    lines of aioice and aiortc stay out of the log unless --verbose asks for them."""
    with running(tmp_path, free_port(), name="quiet") as quiet:
        _wait_live(quiet)
        time.sleep(3)  # ICE checks and the connection's state changes come in this time
    with running(tmp_path, free_port(), "--verbose", name="verbose") as verbose:
        _wait_live(verbose)
        time.sleep(3)
    assert '"logger": "aioice' not in quiet.server.log()
    assert '"logger": "aioice' in verbose.server.log()


def test_an_ended_demo_show_has_a_replay_with_segments(tmp_path: Path) -> None:
    """The demo's test pattern is recorded and its room goes on by itself: once the host
    ends the show, its replay has an ended recording whose playlist lists decodable
    segments, and the host's pins and the viewer's chat on the recording's clock."""
    demo_run = running(tmp_path, free_port(), "--pin-every", "3")
    with demo_run as demo, httpx.Client(base_url=demo.server.url) as api:
        room = _wait_live(demo)
        deadline = time.monotonic() + 40
        while api.get(f"/media/hls/{room}/live.m3u8").text.count("#EXTINF") < 2:
            assert time.monotonic() < deadline, demo.server.log()
            time.sleep(0.5)
        time.sleep(8)  # two more pins and a few chat lines, recorded
        login = {"handle": "demo_host", "password": "demo-password"}
        token = api.post("/api/auth/login", json=login).json()["token"]
        ended = api.post(f"/api/rooms/{room}/end", headers={"Authorization": f"Bearer {token}"})
        assert ended.status_code == 200, ended.text
        deadline = time.monotonic() + 20
        while True:  # the recording's last segment is written just after the show ends
            replay = api.get(f"/api/rooms/{room}/replay")
            playlist = api.get(replay.json()["recording"]["url"]) if replay.is_success else None
            if playlist is not None and "#EXT-X-ENDLIST" in playlist.text:
                break
            assert time.monotonic() < deadline, (replay.text, demo.server.log())
            time.sleep(0.5)
        assert playlist.text.count("#EXTINF") >= 2
        assert replay.json()["recording"]["duration"] > 3
        segment = playlist.text.split("\n")[-3]
        assert segment.startswith("seg_")
        base = replay.json()["recording"]["url"].rsplit("/", 1)[0]
        assert api.get(f"{base}/{segment}").content[4:8] in (b"styp", b"moof")
        events = replay.json()["events"]
        recorded = [e for e in events if e.get("media_t") is not None]
        pins = [e for e in recorded if e["type"] == "product.pinned"]
        chat = [e for e in recorded if e["type"] == "chat.posted"]
        assert len(pins) >= 2 and len(chat) >= 3, [e["type"] for e in events]
        assert len({p["data"]["product"]["id"] for p in pins}) >= 2  # the card changes
        assert all(e["t"] > 0 for e in pins + chat)  # after the recording began, on its clock
        assert [p["t"] for p in pins] == sorted(p["t"] for p in pins)
        assert len(replay.json()["clips"]) >= 2
